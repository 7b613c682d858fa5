using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Direct stride-1 forward and input gradient for few input channels (LeNet's C1: 1 → 6 channels and C3: 6 → 16, 5×5).
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// At most this many input channels per group take the direct forward path. With few channels im2col + GEMM has a small
    /// M (output channels) and K; measured at n = 32: C1 (1 → 6) 352 → 212 µs, C3 (6 → 16) 369 → 221 µs.
    /// </summary>
    private const int DirectMaxInChannels = 8;

    /// <summary>Stride 1, few input channels per group, not pointwise/depthwise (the caller checks those first), AVX-512.</summary>
    private static bool UseDirect(in Conv2DGeometry g)
        => Vector512.IsHardwareAccelerated && g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups <= DirectMaxInChannels
           && g.InChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

    /// <summary>
    /// Direct dx: stride 1, few input channels per group (they become the output channels of the transposed convolution),
    /// padding at most the dilated kernel extent − 1 (so the transposed convolution's padding is non-negative), ≤ 1024 taps.
    /// </summary>
    private static bool UseDirectInputGradient(in Conv2DGeometry g)
        => Vector512.IsHardwareAccelerated && g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups <= 8
           && g.PadH <= g.DilationH * (g.KernelH - 1) && g.PadW <= g.DilationW * (g.KernelW - 1)
           && g.OutChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

    /// <summary>
    /// wf[grp][c, o, kh, kw] = w[grp·Og + o, c, KH − 1 − kh, KW − 1 − kw]: per group, the weights of the transposed convolution
    /// (Og → Cg channels, kernel rotated by 180°), in scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* FlipWeights(in Conv2DGeometry g, float* w)
    {
        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G, KH = g.KernelH, KW = g.KernelW, T = KH * KW;
        float* wf = Scratch.Get(Scratch.FlippedWeights, g.WeightLength);
        for (int grp = 0; grp < G; grp++)
            for (int o = 0; o < Og; o++)
                for (int c = 0; c < Cg; c++)
                {
                    float* src = w + (((nint)grp * Og + o) * Cg + c) * T, dst = wf + (((nint)grp * Cg + c) * Og + o) * T;
                    for (int t = 0; t < T; t++) dst[t] = src[T - 1 - t];   // (kh, kw) → (KH−1−kh, KW−1−kw) is t → T−1−t
                }
        return wf;
    }

    /// <summary>
    /// dx += the transposed convolution of dz for one group of one sample. For stride 1 it is itself a stride-1 convolution:
    /// dx[c, ih, iw] = Σ_{o, kh, kw} w[o, c, kh, kw] · dz[o, ih + p − kh·d, iw + p − kw·d]
    ///              = conv(dz padded by d·(K − 1) − p, wf)[c, ih, iw] with wf[c, o] = w[o, c] rotated by 180°,
    /// so it runs on <see cref="DirectForward"/> (Og input channels, Cg output channels), adding into dx.
    /// </summary>
    private static void DirectInputGradient(in Conv2DGeometry g, float* dz, float* wFlipped, float* dx)
    {
        int Cg = g.InChannels / g.Groups, Og = g.OutChannels / g.Groups;
        var t = new Conv2DGeometry(Og, g.OutHeight, g.OutWidth, Cg, g.KernelH, g.KernelW, 1, 1,
            g.DilationH * (g.KernelH - 1) - g.PadH, g.DilationW * (g.KernelW - 1) - g.PadW, g.DilationH, g.DilationW, 1);
        DirectForward(t, dz, wFlipped, null, dx, Act.None, 0f, accumulate: true);
    }

    /// <summary>
    /// Direct forward of one group of one sample: on the zero-padded input xp, the wide output is
    /// yw[o, j] = b[o] + Σ_k w[o, k] · xp[offsets[k] + j] for j ∈ [0, OH·Wp) — a flat loop, no per-row edge cases.
    /// Blocks of up to 6 output channels × 32 pixels stay in 12 AVX-512 accumulators; every tap loads 2 input vectors
    /// and broadcasts one weight per channel. The wide rows are then compacted into y (dropping the Wp − OW padding
    /// columns) and the activation applied in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectForward(in Conv2DGeometry g, float* x, float* w, float* b, float* y, Act act, float slope, bool accumulate = false)
    {
        int Og = g.OutChannels / g.Groups, K = g.InChannels / g.Groups * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.InWidth + 2 * g.PadW, P = OH * OW;
        float* xp = PadInput(g, x, out int plane);
        int len = (OH * Wp + 31) & ~31;                     // wide pixels, rounded up to whole 32-pixel steps
        float* yw = Scratch.Get(Scratch.Wide, (long)Og * len);
        int* offsets = stackalloc int[K];
        TapOffsets(g, plane, new Span<int>(offsets, K));

        // Split Og into ⌈Og / 6⌉ near-equal blocks (6 → one block of 6; 9 → 5 + 4).
        int blocks = (Og + 5) / 6;
        for (int bi = 0, o0 = 0; bi < blocks; bi++)
        {
            int ob = (Og - o0 + (blocks - bi) - 1) / (blocks - bi);
            float* wb = w + (nint)o0 * K, yb = yw + (nint)o0 * len, bb = b == null ? null : b + o0;
            switch (ob)
            {
                case 1: DirectForwardBlock<N1>(xp, offsets, K, wb, bb, yb, len); break;
                case 2: DirectForwardBlock<N2>(xp, offsets, K, wb, bb, yb, len); break;
                case 3: DirectForwardBlock<N3>(xp, offsets, K, wb, bb, yb, len); break;
                case 4: DirectForwardBlock<N4>(xp, offsets, K, wb, bb, yb, len); break;
                case 5: DirectForwardBlock<N5>(xp, offsets, K, wb, bb, yb, len); break;
                default: DirectForwardBlock<N6>(xp, offsets, K, wb, bb, yb, len); break;
            }
            o0 += ob;
        }
        for (int o = 0; o < Og; o++)
            for (int oh = 0; oh < OH; oh++)
                if (accumulate) Gemm.AddTo(yw + (nint)o * len + (nint)oh * Wp, y + (nint)o * P + (nint)oh * OW, OW);
                else Gemm.Copy(yw + (nint)o * len + (nint)oh * Wp, y + (nint)o * P + (nint)oh * OW, OW);
        if (act != Act.None) ActivationOp.Forward(act, slope, new ReadOnlySpan<float>(y, Og * P), new Span<float>(y, Og * P));
    }

    /// <summary>Compile-time block sizes for the direct kernels (the JIT specialises each struct instantiation and drops the unused accumulators).</summary>
    private interface IBlockSize { static abstract int Value { get; } }
    private struct N1 : IBlockSize { public static int Value => 1; }
    private struct N2 : IBlockSize { public static int Value => 2; }
    private struct N3 : IBlockSize { public static int Value => 3; }
    private struct N4 : IBlockSize { public static int Value => 4; }
    private struct N5 : IBlockSize { public static int Value => 5; }
    private struct N6 : IBlockSize { public static int Value => 6; }
    private struct N8 : IBlockSize { public static int Value => 8; }

    /// <summary>
    /// yw[o, j] = b[o] + Σ_k w[o, k] · xp[offsets[k] + j] for the TB.Value channels o of this block (weights w, row stride K)
    /// and j ∈ [0, len), len a multiple of 32. Accumulator aoL holds channel o, pixels j + 16·L.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectForwardBlock<TB>(float* xp, int* offsets, int K, float* w, float* b, float* yw, int len) where TB : struct, IBlockSize
    {
        int nb = TB.Value;
        for (int j = 0; j < len; j += 32)
        {
            // Start from the bias (0 without one).
            var a00 = Vector512.Create(b == null ? 0f : b[0]); var a01 = a00;
            var a10 = nb > 1 ? Vector512.Create(b == null ? 0f : b[1]) : default; var a11 = a10;
            var a20 = nb > 2 ? Vector512.Create(b == null ? 0f : b[2]) : default; var a21 = a20;
            var a30 = nb > 3 ? Vector512.Create(b == null ? 0f : b[3]) : default; var a31 = a30;
            var a40 = nb > 4 ? Vector512.Create(b == null ? 0f : b[4]) : default; var a41 = a40;
            var a50 = nb > 5 ? Vector512.Create(b == null ? 0f : b[5]) : default; var a51 = a50;
            float* xj = xp + j;
            for (int k = 0; k < K; k++)
            {
                float* s = xj + offsets[k];
                var x0 = Vector512.Load(s); var x1 = Vector512.Load(s + 16);
                float* wk = w + k;
                var wv = Vector512.Create(wk[0]); a00 = Vector512.FusedMultiplyAdd(wv, x0, a00); a01 = Vector512.FusedMultiplyAdd(wv, x1, a01);
                if (nb > 1) { wv = Vector512.Create(wk[K]); a10 = Vector512.FusedMultiplyAdd(wv, x0, a10); a11 = Vector512.FusedMultiplyAdd(wv, x1, a11); }
                if (nb > 2) { wv = Vector512.Create(wk[2 * K]); a20 = Vector512.FusedMultiplyAdd(wv, x0, a20); a21 = Vector512.FusedMultiplyAdd(wv, x1, a21); }
                if (nb > 3) { wv = Vector512.Create(wk[3 * K]); a30 = Vector512.FusedMultiplyAdd(wv, x0, a30); a31 = Vector512.FusedMultiplyAdd(wv, x1, a31); }
                if (nb > 4) { wv = Vector512.Create(wk[4 * K]); a40 = Vector512.FusedMultiplyAdd(wv, x0, a40); a41 = Vector512.FusedMultiplyAdd(wv, x1, a41); }
                if (nb > 5) { wv = Vector512.Create(wk[5 * K]); a50 = Vector512.FusedMultiplyAdd(wv, x0, a50); a51 = Vector512.FusedMultiplyAdd(wv, x1, a51); }
            }
            float* yj = yw + j;
            Vector512.Store(a00, yj); Vector512.Store(a01, yj + 16);
            if (nb > 1) { Vector512.Store(a10, yj + len); Vector512.Store(a11, yj + len + 16); }
            if (nb > 2) { Vector512.Store(a20, yj + 2 * len); Vector512.Store(a21, yj + 2 * len + 16); }
            if (nb > 3) { Vector512.Store(a30, yj + 3 * len); Vector512.Store(a31, yj + 3 * len + 16); }
            if (nb > 4) { Vector512.Store(a40, yj + 4 * len); Vector512.Store(a41, yj + 4 * len + 16); }
            if (nb > 5) { Vector512.Store(a50, yj + 5 * len); Vector512.Store(a51, yj + 5 * len + 16); }
        }
    }
}
