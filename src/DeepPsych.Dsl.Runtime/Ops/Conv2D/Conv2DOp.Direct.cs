using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Direct stride-1 forward for few input channels (LeNet's C1: 1 → 6 channels and C3: 6 → 16, 5×5), and the stride-1 input
// gradient as a convolution of dz (direct for few channels, Winograd for a 3×3 with many over the whole batch, else the wide GEMM).
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// At most this many input channels per group take the direct forward path. With few channels im2col + GEMM has a small
    /// M (output channels) and K; measured at n = 32: C1 (1 → 6) 352 → 212 µs, C3 (6 → 16) 369 → 221 µs.
    /// </summary>
    private const int DirectMaxInChannels = 8;

    /// <summary>Stride 1, few input channels per group, not pointwise/depthwise (the caller checks those first); any vector width.</summary>
    private static bool UseDirect(in Conv2DGeometry g)
        => g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups <= DirectMaxInChannels
           && g.InChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

    /// <summary>
    /// dx as a stride-1 convolution of dz (<see cref="InputGradientByConvolution"/>): stride 1, and padding on every side at most
    /// the dilated kernel extent − 1 (so the transposed convolution's padding is non-negative).
    /// </summary>
    private static bool UseInputGradientByConvolution(in Conv2DGeometry g)
        => g.StrideH == 1 && g.StrideW == 1
           && Math.Max(g.PadH, g.PadBottom) <= g.DilationH * (g.KernelH - 1) && Math.Max(g.PadW, g.PadRight) <= g.DilationW * (g.KernelW - 1);

    /// <summary>
    /// Of those, the few-channel ones (≤ 8 input channels per group: the transposed convolution's outputs, ≤ 1024 taps) run on
    /// <see cref="DirectForward"/>; the rest on the wide GEMM (<see cref="ForwardStride1"/>). Measured on 3×3 64 → 64 at 56×56,
    /// 16 samples, one thread (CPU time): GEMM + col2im 210 ms, the wide GEMM on dz 81 ms.
    /// </summary>
    private static bool UseDirectInputGradient(in Conv2DGeometry g)
        => g.InChannels / g.Groups <= 8 && g.OutChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

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

    /// <summary>The stride-1 convolution that gives one group's dx from its dz (<see cref="InputGradientByConvolution"/>):
    /// Og input channels on the OH × OW map, Cg outputs, the same kernel and dilation, d·(K − 1) − p padding on each side.</summary>
    private static Conv2DGeometry TransposedGeometry(in Conv2DGeometry g)
    {
        int Cg = g.InChannels / g.Groups, Og = g.OutChannels / g.Groups;
        int extentH = g.DilationH * (g.KernelH - 1), extentW = g.DilationW * (g.KernelW - 1);
        return new Conv2DGeometry(Og, g.OutHeight, g.OutWidth, Cg, g.KernelH, g.KernelW, 1, 1, extentH - g.PadH, extentW - g.PadW, g.DilationH, g.DilationW, 1)
        {
            PadBottom = extentH - g.PadBottom,   // per side: the transposed convolution pads d·(K − 1) − p on each side
            PadRight = extentW - g.PadRight,
        };
    }

    /// <summary>The convolution that gives dx from dz for every group at once (<see cref="TransposedGeometry"/> with all groups'
    /// channels): what the batch-wide dx paths (Winograd, sample lanes) run.</summary>
    internal static Conv2DGeometry InputGradientGeometry(in Conv2DGeometry g)
        => TransposedGeometry(g) with { InChannels = g.OutChannels, OutChannels = g.InChannels, Groups = g.Groups };

    /// <summary>
    /// dx += the transposed convolution of dz for one group of one sample. For stride 1 it is itself a stride-1 convolution:
    /// dx[c, ih, iw] = Σ_{o, kh, kw} w[o, c, kh, kw] · dz[o, ih + p − kh·d, iw + p − kw·d]
    ///              = conv(dz padded by d·(K − 1) − p, wf)[c, ih, iw] with wf[c, o] = w[o, c] rotated by 180°,
    /// so it runs on the forward kernels (Og input channels, Cg output channels), adding into dx: <see cref="DirectForward"/>
    /// for few channels (<see cref="UseDirectInputGradient"/>), else <see cref="ForwardStride1"/> (on <paramref name="packedFlipped"/>,
    /// the flipped weights packed once per call, if given).
    /// </summary>
    private static void InputGradientByConvolution(in Conv2DGeometry g, float* dz, float* wFlipped, float* packedFlipped, float* dx)
    {
        var t = TransposedGeometry(g);
        if (UseDirectInputGradient(g)) DirectForward(t, dz, wFlipped, null, dx, Act.None, 0f, accumulate: true);
        else ForwardStride1(t, dz, wFlipped, packedFlipped, null, dx, Act.None, 0f, accumulate: true);
    }

    /// <summary>
    /// Direct forward of one group of one sample: on the zero-padded input xp (x itself when unpadded and readable up to
    /// <paramref name="xEnd"/> far enough), the wide output is
    /// yw[o, j] = b[o] + Σ_k w[o, k] · xp[offsets[k] + j] for j ∈ [0, OH·Wp) — a flat loop, no per-row edge cases.
    /// Blocks of up to 6 output channels × 2 vectors of pixels stay in 12 accumulators (with AVX-512's 32 registers, 8 channels ×
    /// 3 vectors in 24: <see cref="DirectForwardBlock512{TB}"/>); every tap loads 2 (3) input vectors and broadcasts one weight
    /// per channel. The wide rows are then compacted into y, dropping the Wp − OW padding columns and applying the activation
    /// on the way (<see cref="CompactWide"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectForward(in Conv2DGeometry g, float* x, float* w, float* b, float* y, Act act, float slope, bool accumulate = false, float* xEnd = null)
    {
        int Og = g.OutChannels / g.Groups, K = g.InChannels / g.Groups * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.PaddedWidth, plane = g.PaddedHeight * Wp;
        bool wide512 = Simd.Width == 512;                   // 32 registers: blocks of 8 channels × 3 vectors
        int step = (wide512 ? 3 : 2) * Simd.Width / 32;     // pixels per kernel step
        int len = (OH * Wp + step - 1) / step * step;       // wide pixels, rounded up to whole steps
        float* yw = Scratch.Get(Scratch.Wide, (long)Og * len + WideSlack);
        int* offsets = stackalloc int[K];
        TapOffsets(g, plane, new Span<int>(offsets, K));
        // An unpadded input is its own padded copy: read it in place when the kernel's reads past it (up to the last tap's offset
        // + len) stay inside the caller's input, e.g. in the next sample, whose values then reach only dropped wide pixels.
        float* xp = g.Unpadded && xEnd != null && x + offsets[K - 1] + len <= xEnd ? x : PadInput(g, x, out _);

        // Split Og into ⌈Og / maxBlock⌉ near-equal blocks (maxBlock 6: 6 → one block of 6, 9 → 5 + 4; 8 with AVX-512: 16 → 8 + 8).
        int maxBlock = wide512 ? 8 : 6, blocks = (Og + maxBlock - 1) / maxBlock;
        for (int bi = 0, o0 = 0; bi < blocks; bi++)
        {
            int ob = (Og - o0 + (blocks - bi) - 1) / (blocks - bi);
            float* wb = w + (nint)o0 * K, yb = yw + (nint)o0 * len, bb = b == null ? null : b + o0;
            switch (Simd.Width)
            {
                case 512: DirectForwardBlock512(ob, xp, offsets, K, wb, bb, yb, len); break;
                case 256: DirectForwardBlock<Lanes256, Vector256<float>>(ob, xp, offsets, K, wb, bb, yb, len); break;
                default: DirectForwardBlock<Lanes128, Vector128<float>>(ob, xp, offsets, K, wb, bb, yb, len); break;
            }
            o0 += ob;
        }
        CompactWide(yw, len, Wp, y, Og, OH, OW, act, slope, accumulate);
    }

    /// <summary>Compile-time block sizes for the direct kernels (the JIT specialises each struct instantiation and drops the unused accumulators).</summary>
    private interface IBlockSize { static abstract int Value { get; } }
    private struct N1 : IBlockSize { public static int Value => 1; }
    private struct N2 : IBlockSize { public static int Value => 2; }
    private struct N3 : IBlockSize { public static int Value => 3; }
    private struct N4 : IBlockSize { public static int Value => 4; }
    private struct N5 : IBlockSize { public static int Value => 5; }
    private struct N6 : IBlockSize { public static int Value => 6; }
    private struct N7 : IBlockSize { public static int Value => 7; }
    private struct N8 : IBlockSize { public static int Value => 8; }

    /// <summary>One block of <paramref name="channels"/> (1–8) output channels with AVX-512.</summary>
    private static void DirectForwardBlock512(int channels, float* xp, int* offsets, int K, float* w, float* b, float* yw, int len)
    {
        switch (channels)
        {
            case 1: DirectForwardBlock512<N1>(xp, offsets, K, w, b, yw, len); break;
            case 2: DirectForwardBlock512<N2>(xp, offsets, K, w, b, yw, len); break;
            case 3: DirectForwardBlock512<N3>(xp, offsets, K, w, b, yw, len); break;
            case 4: DirectForwardBlock512<N4>(xp, offsets, K, w, b, yw, len); break;
            case 5: DirectForwardBlock512<N5>(xp, offsets, K, w, b, yw, len); break;
            case 6: DirectForwardBlock512<N6>(xp, offsets, K, w, b, yw, len); break;
            case 7: DirectForwardBlock512<N7>(xp, offsets, K, w, b, yw, len); break;
            default: DirectForwardBlock512<N8>(xp, offsets, K, w, b, yw, len); break;
        }
    }

    /// <summary>
    /// <see cref="DirectForwardBlock{TW, TV, TB}"/> with AVX-512's 32 registers: up to 8 channels × 3 vectors of pixels (48) in
    /// 24 accumulators, j ∈ [0, len) with len a multiple of 48. Every tap loads 3 input vectors (mostly unaligned, so each
    /// touches two cache lines) and broadcasts one weight per channel: about half the loads per multiply-add of 6 × 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectForwardBlock512<TB>(float* xp, int* offsets, int K, float* w, float* b, float* yw, int len) where TB : struct, IBlockSize
    {
        const int W = 16;
        int nb = TB.Value;
        for (int j = 0; j < len; j += 3 * W)
        {
            // Start from the bias (0 without one).
            Vector512<float> a00 = Vector512.Create(b == null ? 0f : b[0]), a01 = a00, a02 = a00;
            Vector512<float> a10 = nb > 1 ? Vector512.Create(b == null ? 0f : b[1]) : default, a11 = a10, a12 = a10;
            Vector512<float> a20 = nb > 2 ? Vector512.Create(b == null ? 0f : b[2]) : default, a21 = a20, a22 = a20;
            Vector512<float> a30 = nb > 3 ? Vector512.Create(b == null ? 0f : b[3]) : default, a31 = a30, a32 = a30;
            Vector512<float> a40 = nb > 4 ? Vector512.Create(b == null ? 0f : b[4]) : default, a41 = a40, a42 = a40;
            Vector512<float> a50 = nb > 5 ? Vector512.Create(b == null ? 0f : b[5]) : default, a51 = a50, a52 = a50;
            Vector512<float> a60 = nb > 6 ? Vector512.Create(b == null ? 0f : b[6]) : default, a61 = a60, a62 = a60;
            Vector512<float> a70 = nb > 7 ? Vector512.Create(b == null ? 0f : b[7]) : default, a71 = a70, a72 = a70;
            float* xj = xp + j;
            for (int k = 0; k < K; k++)
            {
                float* s = xj + offsets[k];
                var x0 = Vector512.Load(s); var x1 = Vector512.Load(s + W); var x2 = Vector512.Load(s + 2 * W);
                float* wk = w + k;
                var wv = Vector512.Create(wk[0]);
                a00 = Vector512.FusedMultiplyAdd(wv, x0, a00); a01 = Vector512.FusedMultiplyAdd(wv, x1, a01); a02 = Vector512.FusedMultiplyAdd(wv, x2, a02);
                if (nb > 1) { wv = Vector512.Create(wk[K]); a10 = Vector512.FusedMultiplyAdd(wv, x0, a10); a11 = Vector512.FusedMultiplyAdd(wv, x1, a11); a12 = Vector512.FusedMultiplyAdd(wv, x2, a12); }
                if (nb > 2) { wv = Vector512.Create(wk[2 * K]); a20 = Vector512.FusedMultiplyAdd(wv, x0, a20); a21 = Vector512.FusedMultiplyAdd(wv, x1, a21); a22 = Vector512.FusedMultiplyAdd(wv, x2, a22); }
                if (nb > 3) { wv = Vector512.Create(wk[3 * K]); a30 = Vector512.FusedMultiplyAdd(wv, x0, a30); a31 = Vector512.FusedMultiplyAdd(wv, x1, a31); a32 = Vector512.FusedMultiplyAdd(wv, x2, a32); }
                if (nb > 4) { wv = Vector512.Create(wk[4 * K]); a40 = Vector512.FusedMultiplyAdd(wv, x0, a40); a41 = Vector512.FusedMultiplyAdd(wv, x1, a41); a42 = Vector512.FusedMultiplyAdd(wv, x2, a42); }
                if (nb > 5) { wv = Vector512.Create(wk[5 * K]); a50 = Vector512.FusedMultiplyAdd(wv, x0, a50); a51 = Vector512.FusedMultiplyAdd(wv, x1, a51); a52 = Vector512.FusedMultiplyAdd(wv, x2, a52); }
                if (nb > 6) { wv = Vector512.Create(wk[6 * K]); a60 = Vector512.FusedMultiplyAdd(wv, x0, a60); a61 = Vector512.FusedMultiplyAdd(wv, x1, a61); a62 = Vector512.FusedMultiplyAdd(wv, x2, a62); }
                if (nb > 7) { wv = Vector512.Create(wk[7 * K]); a70 = Vector512.FusedMultiplyAdd(wv, x0, a70); a71 = Vector512.FusedMultiplyAdd(wv, x1, a71); a72 = Vector512.FusedMultiplyAdd(wv, x2, a72); }
            }
            float* yj = yw + j;
            a00.Store(yj); a01.Store(yj + W); a02.Store(yj + 2 * W);
            if (nb > 1) { float* y1 = yj + len; a10.Store(y1); a11.Store(y1 + W); a12.Store(y1 + 2 * W); }
            if (nb > 2) { float* y2 = yj + 2 * len; a20.Store(y2); a21.Store(y2 + W); a22.Store(y2 + 2 * W); }
            if (nb > 3) { float* y3 = yj + 3 * len; a30.Store(y3); a31.Store(y3 + W); a32.Store(y3 + 2 * W); }
            if (nb > 4) { float* y4 = yj + 4 * len; a40.Store(y4); a41.Store(y4 + W); a42.Store(y4 + 2 * W); }
            if (nb > 5) { float* y5 = yj + 5 * len; a50.Store(y5); a51.Store(y5 + W); a52.Store(y5 + 2 * W); }
            if (nb > 6) { float* y6 = yj + 6 * len; a60.Store(y6); a61.Store(y6 + W); a62.Store(y6 + 2 * W); }
            if (nb > 7) { float* y7 = yj + 7 * len; a70.Store(y7); a71.Store(y7 + W); a72.Store(y7 + 2 * W); }
        }
    }

    /// <summary>One block of <paramref name="channels"/> (1–6) output channels at vector width TW.</summary>
    private static void DirectForwardBlock<TW, TV>(int channels, float* xp, int* offsets, int K, float* w, float* b, float* yw, int len)
        where TW : struct, ILanes<TV> where TV : struct
    {
        switch (channels)
        {
            case 1: DirectForwardBlock<TW, TV, N1>(xp, offsets, K, w, b, yw, len); break;
            case 2: DirectForwardBlock<TW, TV, N2>(xp, offsets, K, w, b, yw, len); break;
            case 3: DirectForwardBlock<TW, TV, N3>(xp, offsets, K, w, b, yw, len); break;
            case 4: DirectForwardBlock<TW, TV, N4>(xp, offsets, K, w, b, yw, len); break;
            case 5: DirectForwardBlock<TW, TV, N5>(xp, offsets, K, w, b, yw, len); break;
            default: DirectForwardBlock<TW, TV, N6>(xp, offsets, K, w, b, yw, len); break;
        }
    }

    /// <summary>
    /// yw[o, j] = b[o] + Σ_k w[o, k] · xp[offsets[k] + j] for the TB.Value channels o of this block (weights w, row stride K)
    /// and j ∈ [0, len), len a multiple of 2·W (W = TW.Count lanes). Accumulator aoL holds channel o, pixels j + W·L.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectForwardBlock<TW, TV, TB>(float* xp, int* offsets, int K, float* w, float* b, float* yw, int len) where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize
    {
        int nb = TB.Value, W = TW.Count;
        for (int j = 0; j < len; j += 2 * W)
        {
            // Start from the bias (0 without one).
            var a00 = TW.Broadcast(b == null ? 0f : b[0]); var a01 = a00;
            var a10 = nb > 1 ? TW.Broadcast(b == null ? 0f : b[1]) : default(TV); var a11 = a10;
            var a20 = nb > 2 ? TW.Broadcast(b == null ? 0f : b[2]) : default(TV); var a21 = a20;
            var a30 = nb > 3 ? TW.Broadcast(b == null ? 0f : b[3]) : default(TV); var a31 = a30;
            var a40 = nb > 4 ? TW.Broadcast(b == null ? 0f : b[4]) : default(TV); var a41 = a40;
            var a50 = nb > 5 ? TW.Broadcast(b == null ? 0f : b[5]) : default(TV); var a51 = a50;
            float* xj = xp + j;
            for (int k = 0; k < K; k++)
            {
                float* s = xj + offsets[k];
                var x0 = TW.Load(s); var x1 = TW.Load(s + W);
                float* wk = w + k;
                var wv = TW.Broadcast(wk[0]); a00 = TW.MultiplyAdd(wv, x0, a00); a01 = TW.MultiplyAdd(wv, x1, a01);
                if (nb > 1) { wv = TW.Broadcast(wk[K]); a10 = TW.MultiplyAdd(wv, x0, a10); a11 = TW.MultiplyAdd(wv, x1, a11); }
                if (nb > 2) { wv = TW.Broadcast(wk[2 * K]); a20 = TW.MultiplyAdd(wv, x0, a20); a21 = TW.MultiplyAdd(wv, x1, a21); }
                if (nb > 3) { wv = TW.Broadcast(wk[3 * K]); a30 = TW.MultiplyAdd(wv, x0, a30); a31 = TW.MultiplyAdd(wv, x1, a31); }
                if (nb > 4) { wv = TW.Broadcast(wk[4 * K]); a40 = TW.MultiplyAdd(wv, x0, a40); a41 = TW.MultiplyAdd(wv, x1, a41); }
                if (nb > 5) { wv = TW.Broadcast(wk[5 * K]); a50 = TW.MultiplyAdd(wv, x0, a50); a51 = TW.MultiplyAdd(wv, x1, a51); }
            }
            float* yj = yw + j;
            TW.Store(a00, yj); TW.Store(a01, yj + W);
            if (nb > 1) { TW.Store(a10, yj + len); TW.Store(a11, yj + len + W); }
            if (nb > 2) { TW.Store(a20, yj + 2 * len); TW.Store(a21, yj + 2 * len + W); }
            if (nb > 3) { TW.Store(a30, yj + 3 * len); TW.Store(a31, yj + 3 * len + W); }
            if (nb > 4) { TW.Store(a40, yj + 4 * len); TW.Store(a41, yj + 4 * len + W); }
            if (nb > 5) { TW.Store(a50, yj + 5 * len); TW.Store(a51, yj + 5 * len + W); }
        }
    }
}
