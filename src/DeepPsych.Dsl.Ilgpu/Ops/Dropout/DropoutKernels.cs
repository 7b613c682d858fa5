using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Inverted dropout with the CPU's counter-based mask (<c>DropoutOp</c>): element e is kept iff the top 24 bits of
/// SplitMix64(stream + e·φ) reach the threshold, where stream mixes (seed, step). <see cref="Stream"/> and
/// <see cref="Threshold"/> are computed on the host exactly as the CPU computes them, so the masks are identical bit for bit.
/// </summary>
public static class DropoutKernels
{
    /// <summary>The per-(seed, step) stream key, as <c>DropoutOp.Forward</c>.</summary>
    public static ulong Stream(int seed, long step) => Mix(((ulong)(uint)seed << 32 | 0x5851F42Du) ^ Mix((ulong)step * 0xD1B54A32D192ED03UL));

    /// <summary>Keep iff the 24-bit draw ≥ ⌈rate · 2^24⌉, as <c>DropoutOp.Forward</c>.</summary>
    public static uint Threshold(float rate) => (uint)Math.Ceiling(rate * (double)(1 << 24));

    /// <summary>mask[i] = u(firstElement + i) ≥ threshold ? scale : 0; y[i] = x[i] · mask[i].</summary>
    public static void Forward(Index1D index, ulong stream, long firstElement, uint threshold, float scale, ArrayView<float> x, ArrayView<float> y, ArrayView<float> mask)
    {
        int i = index;
        uint u = (uint)(Mix(stream + (ulong)(firstElement + i) * 0x9E3779B97F4A7C15UL) >> 40);
        float m = u >= threshold ? scale : 0f;
        mask[i] = m;
        y[i] = x[i] * m;
    }

    /// <summary>dx[i] += dy[i] · mask[i].</summary>
    public static void Backward(Index1D i, ArrayView<float> dy, ArrayView<float> mask, ArrayView<float> dx) => dx[i] += dy[i] * mask[i];

    /// <summary>SplitMix64 finaliser — the same function as <c>DropoutOp.Mix</c>.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
