
namespace DeepPsych.Dsl.Ops;

// Depthwise (one input channel per group): direct loops over the kernel taps, vectorised along output rows.
public static unsafe partial class Conv2DOp
{
    /// <summary>y[o] = act(b[o] + Σ_{kh,kw} w[o, 0, kh, kw] · x[o / (O/G), shifted]) for one sample.</summary>
    private static void DepthwiseForward(in Conv2DGeometry g, float* x, float* w, float* b, float* y, Act act, float slope)
    {
        int KH = g.KernelH, KW = g.KernelW, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth, P = OH * OW;
        int mult = g.OutChannels / g.Groups;
        for (int o = 0; o < g.OutChannels; o++)
        {
            float* xc = x + (nint)(o / mult) * H * W, yo = y + (nint)o * P, wo = w + (nint)o * KH * KW;
            new Span<float>(yo, P).Fill(b == null ? 0f : b[o]);
            for (int oh = 0; oh < OH; oh++)
            {
                float* yr = yo + (nint)oh * OW;
                for (int kh = 0; kh < KH; kh++)
                {
                    int ih = oh * g.StrideH - g.PadH + kh * g.DilationH;
                    if ((uint)ih >= (uint)H) continue;
                    float* xr = xc + (nint)ih * W;
                    for (int kw = 0; kw < KW; kw++)
                    {
                        float wv = wo[kh * KW + kw];
                        int iw0 = -g.PadW + kw * g.DilationW;
                        ValidRange(iw0, g.StrideW, W, OW, out int lo, out int hi);
                        if (g.StrideW == 1) Axpy(wv, xr + iw0 + lo, yr + lo, hi - lo);
                        else for (int t = lo; t < hi; t++) yr[t] += wv * xr[iw0 + t * g.StrideW];
                    }
                }
            }
            if (act != Act.None) ActivationOp.Forward(act, slope, new ReadOnlySpan<float>(yo, P), new Span<float>(yo, P));
        }
    }

    /// <summary>Depthwise backward for one sample: dw += Σ dz·x (per tap), dx += w·dz (scatter). db is handled by the caller.</summary>
    private static void DepthwiseBackward(in Conv2DGeometry g, float* x, float* w, float* dz, float* dx, float* dw)
    {
        int KH = g.KernelH, KW = g.KernelW, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth, P = OH * OW;
        int mult = g.OutChannels / g.Groups;
        for (int o = 0; o < g.OutChannels; o++)
        {
            float* xc = x + (nint)(o / mult) * H * W, dzo = dz + (nint)o * P, wo = w + (nint)o * KH * KW, dwo = dw + (nint)o * KH * KW;
            float* dxc = dx == null ? null : dx + (nint)(o / mult) * H * W;
            for (int oh = 0; oh < OH; oh++)
            {
                float* dzr = dzo + (nint)oh * OW;
                for (int kh = 0; kh < KH; kh++)
                {
                    int ih = oh * g.StrideH - g.PadH + kh * g.DilationH;
                    if ((uint)ih >= (uint)H) continue;
                    float* xr = xc + (nint)ih * W;
                    for (int kw = 0; kw < KW; kw++)
                    {
                        int iw0 = -g.PadW + kw * g.DilationW;
                        ValidRange(iw0, g.StrideW, W, OW, out int lo, out int hi);
                        if (g.StrideW == 1)
                        {
                            dwo[kh * KW + kw] += Dot(dzr + lo, xr + iw0 + lo, hi - lo);
                            if (dxc != null) Axpy(wo[kh * KW + kw], dzr + lo, dxc + (nint)ih * W + iw0 + lo, hi - lo);
                        }
                        else
                        {
                            float s = 0f, wv = wo[kh * KW + kw];
                            for (int t = lo; t < hi; t++) s += dzr[t] * xr[iw0 + t * g.StrideW];
                            dwo[kh * KW + kw] += s;
                            if (dxc != null) for (int t = lo; t < hi; t++) dxc[(nint)ih * W + iw0 + t * g.StrideW] += wv * dzr[t];
                        }
                    }
                }
            }
        }
    }
}
