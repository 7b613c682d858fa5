using System.Runtime.CompilerServices;

namespace DeepPsych.Dsl.Ops;

// The zero-padded input copy and its tap offsets, shared by the wide-GEMM and direct stride-1 kernels.
public static unsafe partial class Conv2DOp
{
    /// <summary>Copies one group's Cg input planes into a zero-padded (H + top + bottom) × (W + left + right) buffer, with a zeroed tail so shifted reads stay in bounds.</summary>
    private static float* PadInput(in Conv2DGeometry g, float* x, out int planeLength) => PadInput(g, 1, 0, x, out planeLength);

    /// <summary>
    /// The same for one group of <paramref name="samples"/> samples (input sample stride <paramref name="xStride"/>):
    /// sample n's Cg padded planes start at n·Cg·plane in the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* PadInput(in Conv2DGeometry g, int samples, int xStride, float* x, out int planeLength)
    {
        int Cg = g.InChannels / g.Groups, H = g.InHeight, W = g.InWidth, Hp = g.PaddedHeight, Wp = g.PaddedWidth;
        planeLength = Hp * Wp;
        int slack = (g.KernelW - 1) * g.DilationW + 3 * 16;   // the direct path reads up to 47 floats past the last wide pixel
        int perSample = Cg * planeLength;
        long total = (long)samples * perSample + slack;
        float* xp = Scratch.Get(Scratch.Padded, total);
        for (int n = 0; n < samples; n++)
        {
            float* xs = x + (nint)n * xStride, xps = xp + (nint)n * perSample;
            if (g.Unpadded)
                Gemm.Copy(xs, xps, perSample);
            else
            {
                new Span<float>(xps, perSample).Clear();
                for (int c = 0; c < Cg; c++)
                    for (int ih = 0; ih < H; ih++)
                        Gemm.Copy(xs + ((nint)c * H + ih) * W, xps + (nint)c * planeLength + (nint)(ih + g.PadH) * Wp + g.PadW, W);
            }
        }
        new Span<float>(xp + (nint)samples * perSample, slack).Clear();
        return xp;
    }


    /// <summary>
    /// Fills <paramref name="offsets"/>[k] with where tap k = (c, kh, kw) reads in the zero-padded input: c·plane + kh·dh·Wp + kw·dw.
    /// With the output computed on the padded width ("wide" pixel j = oh·Wp + ow), tap k of wide pixel j reads xp[offsets[k] + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapOffsets(in Conv2DGeometry g, int plane, Span<int> offsets)
    {
        int Wp = g.PaddedWidth, k = 0;
        for (int c = 0; c < g.InChannels / g.Groups; c++)
            for (int kh = 0; kh < g.KernelH; kh++)
                for (int kw = 0; kw < g.KernelW; kw++)
                    offsets[k++] = c * plane + kh * g.DilationH * Wp + kw * g.DilationW;
    }
}
