using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Local response normalisation across channels (AlexNet), with PyTorch's <c>LocalResponseNorm(size, alpha, beta, k)</c>
/// meaning — alpha is divided by size, and the window of channel c is [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋] clipped to [0, C):
/// <code>
/// sₙ,c,p = k + (α/size)·Σ_{c' ∈ window(c)} x²ₙ,c',p        yₙ,c,p = xₙ,c,p · sₙ,c,p^(−β)
/// </code>
/// Forward keeps s for backward. With yⱼ = xⱼ sⱼ^−β and ∂sᶜ/∂xⱼ = (2α/size)·xⱼ for j ∈ window(c):
/// <code>
/// dxⱼ += dyⱼ·sⱼ^(−β) − (2αβ/size)·xⱼ · Σ_{c : j ∈ window(c)} dyᶜ·yᶜ/sᶜ,    c ∈ [j − ⌊(size−1)/2⌋, j + ⌊size/2⌋]
/// </code>
/// Vectorised across the spatial positions of a plane (s^−β = exp(−β·ln s) per lane). Per sample, so it may run on a batch shard.
/// </summary>
public static unsafe class LocalResponseNormOp
{
    /// <summary>y = x·s^−β, s = k + α/size·Σ_window x² (see the class summary).</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S = H·W.</param>
    /// <param name="size">Channels in the window (≥ 1).</param>
    /// <param name="alpha">α (PyTorch default 1e-4).</param>
    /// <param name="beta">β (PyTorch default 0.75).</param>
    /// <param name="k">k (PyTorch default 1).</param>
    /// <param name="x">Input, N × C × S.</param>
    /// <param name="y">Output, N × C × S (overwritten; must not alias x).</param>
    /// <param name="scale">s, N × C × S (overwritten; kept for backward).</param>
    /// <exception cref="ArgumentException">Invalid parameters or a span of the wrong length.</exception>
    public static void Forward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, ReadOnlySpan<float> x, Span<float> y, Span<float> scale)
    {
        const string op = "LocalResponseNormOp.Forward";
        Check(op, batch, channels, spatial, size, k, x.Length, y.Length, "y", scale.Length, "scale");
        float a = alpha / size;
        int lo = size / 2, hi = (size - 1) / 2;
        fixed (float* px = x) fixed (float* py = y) fixed (float* ps = scale)
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < channels; c++)
                {
                    int c0 = Math.Max(c - lo, 0), c1 = Math.Min(c + hi, channels - 1);
                    nint sample = (nint)n * channels * spatial, o = sample + (nint)c * spatial;
                    ForwardPlane(px + sample + (nint)c0 * spatial, c1 - c0 + 1, spatial, px + o, a, beta, k, py + o, ps + o);
                }
    }

    /// <summary>dx += dy·s^−β − (2αβ/size)·x·Σ_{c : j ∈ window(c)} dy·y/s (accumulates; see the class summary).</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">Values per channel and sample (H·W).</param>
    /// <param name="size">Channels in the window (PyTorch's <c>size</c>).</param>
    /// <param name="alpha">α (divided by <paramref name="size"/>, as PyTorch does).</param>
    /// <param name="beta">β.</param>
    /// <param name="k">k.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="y">The forward output.</param>
    /// <param name="scale">s from <see cref="Forward"/>.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="dx">Input gradient (accumulated).</param>
    /// <exception cref="ArgumentException">Invalid parameters or a span of the wrong length.</exception>
    public static void Backward(int batch, int channels, int spatial, int size, float alpha, float beta, float k,
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> dy, Span<float> dx)
    {
        const string op = "LocalResponseNormOp.Backward";
        Check(op, batch, channels, spatial, size, k, x.Length, dx.Length, "dx", scale.Length, "scale");
        if (y.Length != x.Length || dy.Length != x.Length) throw new ArgumentException($"{op}: y has {y.Length} and dy {dy.Length} elements but x has {x.Length}.");
        float coef = 2f * alpha * beta / size;
        int lo = (size - 1) / 2, hi = size / 2;   // the channels c whose window holds j
        fixed (float* px = x) fixed (float* py = y) fixed (float* ps = scale) fixed (float* pdy = dy) fixed (float* pdx = dx)
            for (int n = 0; n < batch; n++)
                for (int j = 0; j < channels; j++)
                {
                    int c0 = Math.Max(j - lo, 0), c1 = Math.Min(j + hi, channels - 1);
                    nint sample = (nint)n * channels * spatial, o = sample + (nint)j * spatial, first = sample + (nint)c0 * spatial;
                    BackwardPlane(pdy + first, py + first, ps + first, c1 - c0 + 1, spatial, px + o, ps + o, pdy + o, beta, coef, pdx + o);
                }
    }

    /// <summary>One plane: s = k + a·Σ over <paramref name="count"/> consecutive planes from <paramref name="window"/> of x²; y = x·s^−β.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPlane(float* window, int count, int spatial, float* x, float a, float beta, float k, float* y, float* s)
    {
        int p = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; p <= spatial - 16; p += 16)
            {
                var sum = Vector512<float>.Zero;
                for (int c = 0; c < count; c++) { var v = Vector512.Load(window + (nint)c * spatial + p); sum = Vector512.FusedMultiplyAdd(v, v, sum); }
                var sc = Vector512.FusedMultiplyAdd(sum, Vector512.Create(a), Vector512.Create(k));
                sc.Store(s + p);
                (Vector512.Load(x + p) * Vector512.Exp(Vector512.Log(sc) * -beta)).Store(y + p);
            }
        else
            for (; p <= spatial - Vector<float>.Count; p += Vector<float>.Count)
            {
                var sum = Vector<float>.Zero;
                for (int c = 0; c < count; c++) { var v = Vector.Load(window + (nint)c * spatial + p); sum = Vector.MultiplyAddEstimate(v, v, sum); }
                var sc = Vector.MultiplyAddEstimate(sum, new Vector<float>(a), new Vector<float>(k));
                sc.Store(s + p);
                (Vector.Load(x + p) * Vector.Exp(Vector.Log(sc) * -beta)).Store(y + p);
            }
        for (; p < spatial; p++)
        {
            float sum = 0f;
            for (int c = 0; c < count; c++) { float v = window[(nint)c * spatial + p]; sum = MathF.FusedMultiplyAdd(v, v, sum); }
            float sc = MathF.FusedMultiplyAdd(sum, a, k);
            s[p] = sc;
            y[p] = x[p] * MathF.Exp(MathF.Log(sc) * -beta);
        }
    }

    /// <summary>One plane j: dx += dy·s^−β − coef·x·Σ over <paramref name="count"/> planes from the window starts of dy·y/s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardPlane(float* dyWindow, float* yWindow, float* sWindow, int count, int spatial, float* x, float* s, float* dy, float beta, float coef, float* dx)
    {
        int p = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; p <= spatial - 16; p += 16)
            {
                var sum = Vector512<float>.Zero;
                for (int c = 0; c < count; c++)
                {
                    nint q = (nint)c * spatial + p;
                    sum += Vector512.Load(dyWindow + q) * Vector512.Load(yWindow + q) / Vector512.Load(sWindow + q);
                }
                var pow = Vector512.Exp(Vector512.Log(Vector512.Load(s + p)) * -beta);
                var d = Vector512.Load(dy + p) * pow - Vector512.Create(coef) * Vector512.Load(x + p) * sum;
                (Vector512.Load(dx + p) + d).Store(dx + p);
            }
        else
            for (; p <= spatial - Vector<float>.Count; p += Vector<float>.Count)
            {
                var sum = Vector<float>.Zero;
                for (int c = 0; c < count; c++)
                {
                    nint q = (nint)c * spatial + p;
                    sum += Vector.Load(dyWindow + q) * Vector.Load(yWindow + q) / Vector.Load(sWindow + q);
                }
                var pow = Vector.Exp(Vector.Log(Vector.Load(s + p)) * -beta);
                var d = Vector.Load(dy + p) * pow - new Vector<float>(coef) * Vector.Load(x + p) * sum;
                (Vector.Load(dx + p) + d).Store(dx + p);
            }
        for (; p < spatial; p++)
        {
            float sum = 0f;
            for (int c = 0; c < count; c++) { nint q = (nint)c * spatial + p; sum += dyWindow[q] * yWindow[q] / sWindow[q]; }
            dx[p] += dy[p] * MathF.Exp(MathF.Log(s[p]) * -beta) - coef * x[p] * sum;
        }
    }

    private static void Check(string op, int batch, int channels, int spatial, int size, float k, int xLength, int otherLength, string otherName, int scaleLength, string scaleName)
    {
        if (batch < 0 || channels <= 0 || spatial <= 0 || size <= 0)
            throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} spatial={spatial} size={size} (size must be at least 1).");
        if (!(k > 0f)) throw new ArgumentException($"{op}: k = {k}; it must be positive so that the scale k + α/size·Σx² stays positive (PyTorch default 1).");
        long need = (long)batch * channels * spatial;
        if (xLength != need) throw new ArgumentException($"{op}: x has {xLength} elements but {batch}x{channels}x{spatial} = {need} are needed.");
        if (otherLength != need) throw new ArgumentException($"{op}: {otherName} has {otherLength} elements but {batch}x{channels}x{spatial} = {need} are needed.");
        if (scaleLength != need) throw new ArgumentException($"{op}: {scaleName} has {scaleLength} elements but {batch}x{channels}x{spatial} = {need} are needed.");
    }
}
