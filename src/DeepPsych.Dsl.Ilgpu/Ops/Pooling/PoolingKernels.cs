using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>Geometry of a pooling window on one sample, mirroring <see cref="Pool2DGeometry"/>: PH/PW pad the top/left,
/// PB/PR the bottom/right; OH/OW already carry ceil mode, so the kernels need no flag for it.</summary>
public readonly record struct PoolShape(int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int PB, int PR, int OH, int OW)
{
    /// <summary>From the CPU geometry.</summary>
    public static PoolShape From(in Pool2DGeometry g) => new(g.Channels, g.InHeight, g.InWidth, g.KernelH, g.KernelW, g.StrideH, g.StrideW,
        g.PadH, g.PadW, g.PadBottom, g.PadRight, g.OutHeight, g.OutWidth);
}

/// <summary>
/// Max, average and global-average pooling, forward beside backward. Backward kernels GATHER (one thread per input element,
/// visiting the windows that cover it) instead of scattering, so overlapping windows need no atomics and the result is deterministic.
/// </summary>
public static class PoolingKernels
{
    /// <summary>y = window max (NaN wins, first index on ties, as the CPU); argmax = winner's flat index within its sample's input.</summary>
    public static void MaxForward(Index1D index, PoolShape s, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax)
    {
        int i = index;
        int ow = i % s.OW, t = i / s.OW;
        int oh = t % s.OH; t /= s.OH;
        int c = t % s.C, n = t / s.C;
        int h0 = oh * s.SH - s.PH, w0 = ow * s.SW - s.PW;
        int h1 = h0 + s.KH < s.H ? h0 + s.KH : s.H, w1 = w0 + s.KW < s.W ? w0 + s.KW : s.W;
        if (h0 < 0) h0 = 0;
        if (w0 < 0) w0 = 0;
        int plane = c * s.H * s.W, sample = n * s.C * s.H * s.W;
        float best = float.NegativeInfinity;
        int at = plane + h0 * s.W + w0;
        bool done = false;
        for (int ih = h0; ih < h1 && !done; ih++)
        {
            for (int iw = w0; iw < w1; iw++)
            {
                int local = plane + ih * s.W + iw;
                float v = x[sample + local];
                bool nan = ReLU.IsNaNBits(v);   // not v != v: PoCL folds it (finite-math)
                if (v > best || nan)
                {
                    best = v;
                    at = local;
                    if (nan) { done = true; break; }
                }
            }
        }
        y[i] = best;
        argmax[i] = at;
    }

    /// <summary>dx[n, c, ih, iw] += Σ over the windows covering (ih, iw) whose argmax is this element of their dy.</summary>
    public static void MaxBackward(Index1D index, PoolShape s, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx)
    {
        int i = index;
        int inLen = s.C * s.H * s.W;
        int n = i / inLen, local = i - n * inLen;
        int iw = local % s.W, t = local / s.W;
        int ih = t % s.H, c = t / s.H;
        WindowRange(ih, s.PH, s.KH, s.SH, s.OH, out int oh0, out int oh1);
        WindowRange(iw, s.PW, s.KW, s.SW, s.OW, out int ow0, out int ow1);
        float sum = 0f;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                int o = ((n * s.C + c) * s.OH + oh) * s.OW + ow;
                if (argmax[o] == local) sum += dy[o];
            }
        dx[i] += sum;
    }

    /// <summary>y = (Σ of the window's in-bounds x) · 1/divisor, divisor = KH·KW or the in-bounds count (as the CPU).</summary>
    public static void AvgForward(Index1D index, PoolShape s, int countIncludePad, ArrayView<float> x, ArrayView<float> y)
    {
        int i = index;
        int ow = i % s.OW, t = i / s.OW;
        int oh = t % s.OH; t /= s.OH;
        int c = t % s.C, n = t / s.C;
        Window(s, oh, ow, countIncludePad, out int h0, out int h1, out int w0, out int w1, out float inv);
        int plane = (n * s.C + c) * s.H;
        float sum = 0f;
        for (int ih = h0; ih < h1; ih++)
            for (int iw = w0; iw < w1; iw++) sum += x[(plane + ih) * s.W + iw];
        y[i] = sum * inv;
    }

    /// <summary>dx[n, c, ih, iw] += Σ over the windows covering (ih, iw) of dy · 1/divisor.</summary>
    public static void AvgBackward(Index1D index, PoolShape s, int countIncludePad, ArrayView<float> dy, ArrayView<float> dx)
    {
        int i = index;
        int iw = i % s.W, t = i / s.W;
        int ih = t % s.H; t /= s.H;
        int c = t % s.C, n = t / s.C;
        WindowRange(ih, s.PH, s.KH, s.SH, s.OH, out int oh0, out int oh1);
        WindowRange(iw, s.PW, s.KW, s.SW, s.OW, out int ow0, out int ow1);
        float sum = 0f;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                Window(s, oh, ow, countIncludePad, out _, out _, out _, out _, out float inv);
                sum += dy[((n * s.C + c) * s.OH + oh) * s.OW + ow] * inv;
            }
        dx[i] += sum;
    }

    /// <summary>y[n, c] = (Σ_p x[n, c, p]) · 1/spatial.</summary>
    public static void GlobalAvgForward(Index1D index, int spatial, ArrayView<float> x, ArrayView<float> y)
    {
        int i = index;
        float sum = 0f;
        for (int p = 0; p < spatial; p++) sum += x[i * spatial + p];
        y[i] = sum * (1f / spatial);
    }

    /// <summary>dx[n, c, p] += dy[n, c] · 1/spatial.</summary>
    public static void GlobalAvgBackward(Index1D index, int spatial, ArrayView<float> dy, ArrayView<float> dx)
    {
        int i = index;
        dx[i] += dy[i / spatial] * (1f / spatial);
    }

    /// <summary>The outputs [o0, o1] along one axis whose window (start o·stride − pad, size kernel) covers input position p.</summary>
    private static void WindowRange(int p, int pad, int kernel, int stride, int outSize, out int o0, out int o1)
    {
        int hi = p + pad;                        // o·stride ≤ p + pad
        int lo = hi - kernel + 1;                // o·stride ≥ p + pad − kernel + 1
        o0 = lo <= 0 ? 0 : (lo + stride - 1) / stride;
        o1 = hi / stride;
        if (o1 > outSize - 1) o1 = outSize - 1;
    }

    /// <summary>In-bounds window of output (oh, ow) and 1/divisor (as <c>Pool2DGeometry.Window</c>: count_include_pad divides by
    /// the cells inside input + padding, which a ceil-mode window past the bottom/right padding does not fill).</summary>
    private static void Window(PoolShape s, int oh, int ow, int countIncludePad, out int h0, out int h1, out int w0, out int w1, out float inv)
    {
        h0 = oh * s.SH - s.PH; w0 = ow * s.SW - s.PW;
        int hp = h0 + s.KH < s.H + s.PB ? h0 + s.KH : s.H + s.PB;
        int wp = w0 + s.KW < s.W + s.PR ? w0 + s.KW : s.W + s.PR;
        int padded = (hp - h0) * (wp - w0);
        h1 = hp < s.H ? hp : s.H;
        w1 = wp < s.W ? wp : s.W;
        if (h0 < 0) h0 = 0;
        if (w0 < 0) w0 = 0;
        inv = 1f / (countIncludePad != 0 ? padded : (h1 - h0) * (w1 - w0));
    }
}
