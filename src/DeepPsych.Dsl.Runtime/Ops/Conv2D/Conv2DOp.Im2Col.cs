using System.Runtime.CompilerServices;

namespace DeepPsych.Dsl.Ops;

// im2col / col2im: the general path (any stride, padding, dilation) feeding the packed GEMM.
public static unsafe partial class Conv2DOp
{
    /// <summary>Feeds the GEMM its B panels straight from the image: panel p holds im2col rows k0..k0+kc for pixels j0 + p·nr ….</summary>
    internal readonly struct Im2ColPanels(Conv2DGeometry g, float* x) : Gemm.IPanelSource
    {
        private readonly Conv2DGeometry _g = g;

        public float* InPlace(out int ldb) { ldb = 0; return null; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Pack(int k0, int kc, int j0, int nc, float* dst, int nr)
        {
            for (int p = 0; p * nr < nc; p++)
            {
                int cols = Math.Min(nr, nc - p * nr);
                float* d = dst + (nint)p * kc * nr;
                Im2Col(_g, x, k0, kc, j0 + p * nr, cols, d, nr);
                if (cols < nr) for (int kk = 0; kk < kc; kk++) Gemm.ZeroPanelTail(d + (nint)kk * nr, cols);
            }
        }
    }

    /// <summary>
    /// dst[(k − k0)·ld + (j − j0)] = x[c, ih, iw] (0 in the padding) for k ∈ [k0, k0 + kc), j ∈ [j0, j0 + nc),
    /// where k = (c, kh, kw), j = (oh, ow), ih = oh·sh − ph + kh·dh, iw = ow·sw − pw + kw·dw. Stride-1 rows are block copies.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    internal static void Im2Col(in Conv2DGeometry g, float* x, int k0, int kc, int j0, int nc, float* dst, int ld)
    {
        int KH = g.KernelH, KW = g.KernelW, H = g.InHeight, W = g.InWidth, OW = g.OutWidth;
        int sh = g.StrideH, sw = g.StrideW, ph = g.PadH, pw = g.PadW, dh = g.DilationH, dwl = g.DilationW;
        int oh0 = j0 / OW, ow0 = j0 - oh0 * OW;
        for (int kk = 0; kk < kc; kk++)
        {
            int k = k0 + kk, c = k / (KH * KW), r = k - c * KH * KW, kh = r / KW, kw = r - kh * KW;
            float* xc = x + (nint)c * H * W, d = dst + (nint)kk * ld;
            int oh = oh0, ow = ow0;
            for (int j = 0; j < nc; )
            {
                int seg = Math.Min(OW - ow, nc - j);
                int ih = oh * sh - ph + kh * dh;
                float* dd = d + j;
                if ((uint)ih >= (uint)H) new Span<float>(dd, seg).Clear();
                else
                {
                    float* xr = xc + (nint)ih * W;
                    int iw0 = ow * sw - pw + kw * dwl;
                    ValidRange(iw0, sw, W, seg, out int lo, out int hi);
                    for (int t = 0; t < lo; t++) dd[t] = 0f;
                    if (sw == 1) Gemm.Copy(xr + iw0 + lo, dd + lo, hi - lo);
                    else for (int t = lo; t < hi; t++) dd[t] = xr[iw0 + t * sw];
                    for (int t = hi; t < seg; t++) dd[t] = 0f;
                }
                j += seg; ow += seg;
                if (ow == OW) { ow = 0; oh++; }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx[c, ih, iw] += src[(k − k0)·ld + (j − j0)] over the valid (non-padding) taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    internal static void Col2ImAdd(in Conv2DGeometry g, float* src, int kc, int j0, int nc, int ld, float* dx)
    {
        int KH = g.KernelH, KW = g.KernelW, H = g.InHeight, W = g.InWidth, OW = g.OutWidth;
        int sh = g.StrideH, sw = g.StrideW, ph = g.PadH, pw = g.PadW, dh = g.DilationH, dwl = g.DilationW;
        int oh0 = j0 / OW, ow0 = j0 - oh0 * OW;
        for (int k = 0; k < kc; k++)
        {
            int c = k / (KH * KW), r = k - c * KH * KW, kh = r / KW, kw = r - kh * KW;
            float* xc = dx + (nint)c * H * W, s = src + (nint)k * ld;
            int oh = oh0, ow = ow0;
            for (int j = 0; j < nc; )
            {
                int seg = Math.Min(OW - ow, nc - j);
                int ih = oh * sh - ph + kh * dh;
                if ((uint)ih < (uint)H)
                {
                    float* xr = xc + (nint)ih * W, ss = s + j;
                    int iw0 = ow * sw - pw + kw * dwl;
                    ValidRange(iw0, sw, W, seg, out int lo, out int hi);
                    if (sw == 1) Gemm.AddTo(ss + lo, xr + iw0 + lo, hi - lo);
                    else for (int t = lo; t < hi; t++) xr[iw0 + t * sw] += ss[t];
                }
                j += seg; ow += seg;
                if (ow == OW) { ow = 0; oh++; }
            }
        }
    }

    /// <summary>The t ∈ [lo, hi) ⊆ [0, count) with 0 ≤ iw0 + t·stride &lt; width (lo = hi when none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ValidRange(int iw0, int stride, int width, int count, out int lo, out int hi)
    {
        if (stride == 1)
        {
            lo = iw0 >= 0 ? 0 : -iw0;
            hi = iw0 > width - 1 ? 0 : width - iw0;
        }
        else
        {
            lo = iw0 >= 0 ? 0 : (-iw0 + stride - 1) / stride;
            hi = iw0 > width - 1 ? 0 : (width - 1 - iw0) / stride + 1;
        }
        if (lo > count) lo = count;
        if (hi > count) hi = count;
        if (hi < lo) hi = lo;
    }
}
