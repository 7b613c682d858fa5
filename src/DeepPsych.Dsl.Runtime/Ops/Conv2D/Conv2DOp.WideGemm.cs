using System.Runtime.CompilerServices;

namespace DeepPsych.Dsl.Ops;

// Stride-1 im2col + GEMM on the padded width ("wide output"): B panels are shifted rows of the padded input.
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// Stride-1 forward of one group of one sample via the "wide output" trick: on the zero-padded input xp (Hp × Wp),
    /// im2col row k = (c, kh, kw) is simply xp[c] read from offset kh·dh·Wp + kw·dw, if the output is computed on the
    /// padded width (pixel j = oh·Wp + ow, ow ∈ [0, Wp)). So B panels are plain copies (no per-pixel bounds checks);
    /// the Wp − OW extra columns per row are computed and dropped when the output is compacted.
    /// With <paramref name="accumulate"/> the result is added to y (the input gradient, <see cref="InputGradientByConvolution"/>).
    /// <paramref name="packedW"/>: w already packed for the GEMM (<see cref="PackWeights"/>), or null to pack it here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    private static void ForwardStride1(in Conv2DGeometry g, float* x, float* w, float* packedW, float* b, float* y, Act act, float slope, bool accumulate = false)
    {
        int Cg = g.InChannels / g.Groups, Og = g.OutChannels / g.Groups, K = Cg * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.PaddedWidth;
        float* xp = PadInput(g, x, out int planeLength);
        int Pw = OH * Wp;
        float* yw = Wp == OW ? y : Scratch.Get(Scratch.Wide, (long)Og * Pw + WideSlack);
        var src = new ShiftedRowsPanels(xp, planeLength, Wp, g.KernelH, g.KernelW, g.DilationH, g.DilationW);
        Gemm.MultiplyCore(Og, Pw, K, w, K, false, ref src, yw, Pw, accumulate && yw == y, b, null, act, slope, packedW);
        if (yw != y) CompactWide(yw, Pw, Wp, y, Og, OH, OW, Act.None, 0f, accumulate);   // the GEMM applied the activation
    }


    /// <summary>B[k, j] = xp[c·plane + kh·dh·Wp + kw·dw + j] for k = (c, kh, kw): each row a contiguous run of the padded input.</summary>
    internal readonly struct ShiftedRowsPanels(float* xp, int plane, int wp, int kernelH, int kernelW, int dilationH, int dilationW) : Gemm.IPanelSource
    {
        public float* InPlace(out int ldb) { ldb = 0; return null; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Pack(int k0, int kc, int j0, int nc, float* dst, int nr)
        {
            int taps = kernelH * kernelW;
            for (int kk = 0; kk < kc; kk++)
            {
                int k = k0 + kk, c = k / taps, r = k - c * taps, kh = r / kernelW, kw = r - kh * kernelW;
                float* s = xp + (nint)c * plane + (nint)kh * dilationH * wp + kw * dilationW + j0;
                for (int p = 0; p * nr < nc; p++)
                {
                    int cols = Math.Min(nr, nc - p * nr);
                    float* d = dst + (nint)p * kc * nr + (nint)kk * nr;
                    Gemm.Copy(s + p * nr, d, cols);
                    if (cols < nr) Gemm.ZeroPanelTail(d, cols);
                }
            }
        }
    }
}
