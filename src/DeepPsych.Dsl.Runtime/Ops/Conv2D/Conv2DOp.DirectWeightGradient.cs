using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Direct stride-1 weight gradient: a batch-wide vectorised correlation of the padded input with dz.
public static unsafe partial class Conv2DOp
{
    /// <summary>Direct dW: stride 1, K ≤ 1024 taps (the tap offsets live on the stack); any vector width.</summary>
    private static bool UseDirectWeightGradient(in Conv2DGeometry g)
        => g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

    /// <summary>Bytes of padded input + wide dz one pass of the direct dW streams per (channel pair, 4 taps): kept within a
    /// share of the L3 cache. Measured on 3×3 64→64 at 56×56, one thread: the whole 16-sample shard at once (27 MB) 44 GFLOP/s,
    /// 4 samples at a time 102 GFLOP/s (CPU time). LeNet's C3 fits hundreds of samples in one chunk.</summary>
    private const int WeightGradientChunkBytes = 8 << 20;

    /// <summary>When positive, replaces <see cref="WeightGradientChunkBytes"/> on this thread (tests force one-sample chunks with it).</summary>
    [ThreadStatic] internal static int t_weightGradientChunkBytes;

    /// <summary>dW of one group over the batch, in chunks of samples that stay in cache (<see cref="WeightGradientChunkBytes"/>).</summary>
    private static void DirectWeightGradient(in Conv2DGeometry g, int batch, float* x, float* dz, float* dw)
    {
        int Og = g.OutChannels / g.Groups, OH = g.OutHeight, Wp = g.PaddedWidth;
        long perSample = 4L * (g.InChannels / g.Groups * g.PaddedHeight * Wp + Og * ((OH * Wp + 15) & ~15));
        int chunk = (int)Math.Clamp((t_weightGradientChunkBytes > 0 ? t_weightGradientChunkBytes : WeightGradientChunkBytes) / perSample, 1, Math.Max(1, batch));
        for (int n0 = 0; n0 < batch; n0 += chunk)
            DirectWeightGradientChunk(g, Math.Min(chunk, batch - n0), x + (nint)n0 * g.InputLength, dz + (nint)n0 * g.OutputLength, dw);
    }

    /// <summary>
    /// Direct weight gradient of one group over a chunk of the batch: dw[o, k] += Σ_n Σ_j dzw[n, o, j] · xp[n, offsets[k] + j], where
    /// xp holds the zero-padded inputs and dzw is dz laid out on the padded width with zeros in the Wp − OW padding columns
    /// (and up to the next multiple of 16), so the sum over the flat wide range equals the sum over the real output pixels.
    /// Taps go 8 at a time into 8 accumulators that share each dz load and live across all samples, so the horizontal sums
    /// happen once per batch (C3's wide planes are only 9 vectors long).
    /// </summary>
    /// <remarks>
    /// The zero dz columns multiply real neighbouring inputs, so a non-finite input (±∞, NaN) can reach more dw entries than in
    /// the exact sum (0 · ∞ = NaN); finite inputs give the exact sum up to rounding.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void DirectWeightGradientChunk(in Conv2DGeometry g, int batch, float* x, float* dz, float* dw)
    {
        int Og = g.OutChannels / g.Groups, K = g.InChannels / g.Groups * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.PaddedWidth, P = OH * OW;
        float* xp = PadInput(g, batch, g.InputLength, x, out int plane);
        int xpStride = g.InChannels / g.Groups * plane;
        int len = (OH * Wp + 15) & ~15;
        float* dzw = Scratch.Get(Scratch.Wide, (long)batch * Og * len);
        for (int n = 0; n < batch; n++)
            for (int oc = 0; oc < Og; oc++)
            {
                float* d = dzw + ((nint)n * Og + oc) * len, src = dz + (nint)n * g.OutputLength + (nint)oc * P;
                for (int oh = 0; oh < OH; oh++)
                {
                    Gemm.Copy(src + (nint)oh * OW, d + (nint)oh * Wp, OW);
                    new Span<float>(d + (nint)oh * Wp + OW, Wp - OW).Clear();
                }
                new Span<float>(d + (nint)OH * Wp, len - OH * Wp).Clear();
            }
        int* offsets = stackalloc int[K];
        TapOffsets(g, plane, new Span<int>(offsets, K));
        var s = new WeightGradientSource(dzw, (nint)Og * len, xp, xpStride, batch, len);
        switch (Simd.Width)
        {
            case 512: DirectWeightGradient<Lanes512, Vector512<float>>(s, offsets, dw, Og, K); break;
            case 256: DirectWeightGradient<Lanes256, Vector256<float>>(s, offsets, dw, Og, K); break;
            default: DirectWeightGradient<Lanes128, Vector128<float>>(s, offsets, dw, Og, K); break;
        }
    }

    /// <summary>Bytes of wide dz (of one group of output channels) a sample block of <see cref="DirectWeightGradient{TW, TV}"/>
    /// holds in the L1 cache while every tap passes over it.</summary>
    private const int WeightGradientBlockBytes = 16 << 10;

    /// <summary>When positive, replaces <see cref="WeightGradientBlockBytes"/> on this thread (tests force one-sample blocks with it).</summary>
    [ThreadStatic] internal static int t_weightGradientBlockBytes;

    /// <summary>All channels and taps of <see cref="DirectWeightGradientChunk"/> at vector width TW
    /// (len, a multiple of 16, is a whole number of vectors at every width).</summary>
    /// <remarks>Per group of output channels the samples go in blocks whose wide dz fits <see cref="WeightGradientBlockBytes"/>
    /// (one sample of a 28×28 map, 16 of a 7×7 one), every group of 4 taps passing over the block while it is in L1; the
    /// accumulators wait in scratch between blocks (one store and one load per vector per block), so each still sums its
    /// samples in order and the horizontal sums happen once per chunk, as when every tap group swept the whole chunk.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DirectWeightGradient<TW, TV>(in WeightGradientSource s, int* offsets, float* dw, int Og, int K)
        where TW : struct, ILanes<TV> where TV : struct
    {
        float* dzw = s.Dzw;
        int len = s.Len, o = 0;
        // Groups of 4 output channels (with 32 vector registers) then pairs × 4 taps: 16 or 8 accumulators fed by 4 or 2 dz
        // loads and 4 (unaligned) input loads.
        int group = TW.Count == 16 ? 4 : 2, tapGroups = K / 4;
        float* acc = Scratch.Get(Scratch.Accumulators, (long)tapGroups * WeightGradientAccumulators * TW.Count);
        for (; o + 2 <= Og; o += group)
        {
            if (o + group > Og) group = 2;
            float* d = dzw + (nint)o * len, dwo = dw + (nint)o * K;
            int block = Math.Max(1, (t_weightGradientBlockBytes > 0 ? t_weightGradientBlockBytes : WeightGradientBlockBytes) / (group * len * sizeof(float)));
            new Span<float>(acc, tapGroups * WeightGradientAccumulators * TW.Count).Clear();
            for (int n0 = 0; n0 < s.Batch; n0 += block)
            {
                int n1 = Math.Min(s.Batch, n0 + block);
                for (int t = 0; t < tapGroups; t++)
                {
                    float* a = acc + (nint)t * WeightGradientAccumulators * TW.Count;
                    if (group == 4) WeightGradientChannelsTaps4<TW, TV, N4>(s, d, offsets + 4 * t, a, n0, n1);
                    else WeightGradientChannelsTaps4<TW, TV, N2>(s, d, offsets + 4 * t, a, n0, n1);
                }
            }
            for (int t = 0; t < tapGroups; t++)
                for (int c = 0; c < group; c++)
                    for (int i = 0; i < 4; i++)
                        dwo[(nint)c * K + 4 * t + i] += TW.Sum(TW.Load(acc + (nint)(t * WeightGradientAccumulators + 4 * c + i) * TW.Count));
            for (int k = 4 * tapGroups; k < K; k++)
                for (int c = 0; c < group; c++) WeightGradientTaps<TW, TV, N1>(s, d + (nint)c * len, offsets + k, dwo + (nint)c * K + k);
        }
        // A last odd channel: 8 taps per dz load.
        for (; o < Og; o++)
        {
            float* d = dzw + (nint)o * len, dwo = dw + (nint)o * K;
            int k = 0;
            for (; k + 8 <= K; k += 8) WeightGradientTaps<TW, TV, N8>(s, d, offsets + k, dwo + k);
            for (; k + 4 <= K; k += 4) WeightGradientTaps<TW, TV, N4>(s, d, offsets + k, dwo + k);
            for (; k < K; k++) WeightGradientTaps<TW, TV, N1>(s, d, offsets + k, dwo + k);
        }
    }

    /// <summary>Vectors per tap group in the accumulator scratch: 4 channels × 4 taps (channel c, tap t at 4c + t).</summary>
    private const int WeightGradientAccumulators = 16;

    /// <summary>Where <see cref="WeightGradientTaps{TW, TV, TB}"/> reads: sample n's wide dz row at dz + n·DzStride, its padded input at Xp + n·XpStride.</summary>
    private readonly struct WeightGradientSource(float* dzw, nint dzStride, float* xp, nint xpStride, int batch, int len)
    {
        public readonly float* Dzw = dzw, Xp = xp;
        public readonly nint DzStride = dzStride, XpStride = xpStride;
        public readonly int Batch = batch, Len = len;
    }

    /// <summary>
    /// For TC.Value output channels o (2 or 4; dz rows d + o·Len) and taps t &lt; 4, over samples n0 ≤ n &lt; n1:
    /// acc[4o + t] += Σ_n Σ_{j &lt; len} dzw[n][o][j] · xp[n][offsets[t] + j], the accumulators vectors at acc (loaded at the
    /// start, stored at the end, summed across lanes by the caller). Each input load serves every channel
    /// (4 channels: 16 accumulators, 8 loads per 16 FMAs — only with AVX-512's 32 registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void WeightGradientChannelsTaps4<TW, TV, TC>(in WeightGradientSource s, float* d, int* offsets, float* acc, int n0, int n1)
        where TW : struct, ILanes<TV> where TV : struct where TC : struct, IBlockSize
    {
        int len = s.Len, w = TW.Count;
        bool four = TC.Value > 2;
        nint o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
        TV a0 = TW.Load(acc), a1 = TW.Load(acc + w), a2 = TW.Load(acc + 2 * w), a3 = TW.Load(acc + 3 * w);
        TV b0 = TW.Load(acc + 4 * w), b1 = TW.Load(acc + 5 * w), b2 = TW.Load(acc + 6 * w), b3 = TW.Load(acc + 7 * w);
        TV c0 = default, c1 = default, c2 = default, c3 = default, e0 = default, e1 = default, e2 = default, e3 = default;
        if (four)
        {
            c0 = TW.Load(acc + 8 * w); c1 = TW.Load(acc + 9 * w); c2 = TW.Load(acc + 10 * w); c3 = TW.Load(acc + 11 * w);
            e0 = TW.Load(acc + 12 * w); e1 = TW.Load(acc + 13 * w); e2 = TW.Load(acc + 14 * w); e3 = TW.Load(acc + 15 * w);
        }
        for (int n = n0; n < n1; n++)
        {
            float* dz0 = d + n * s.DzStride, dz1 = dz0 + len, dz2 = dz1 + len, dz3 = dz2 + len, xp = s.Xp + n * s.XpStride;
            for (int j = 0; j < len; j += TW.Count)
            {
                var v = TW.Load(dz0 + j); var u = TW.Load(dz1 + j);
                var q = four ? TW.Load(dz2 + j) : default; var r = four ? TW.Load(dz3 + j) : default;
                float* xj = xp + j;
                var x0 = TW.Load(xj + o0); a0 = TW.MultiplyAdd(v, x0, a0); b0 = TW.MultiplyAdd(u, x0, b0);
                if (four) { c0 = TW.MultiplyAdd(q, x0, c0); e0 = TW.MultiplyAdd(r, x0, e0); }
                var x1 = TW.Load(xj + o1); a1 = TW.MultiplyAdd(v, x1, a1); b1 = TW.MultiplyAdd(u, x1, b1);
                if (four) { c1 = TW.MultiplyAdd(q, x1, c1); e1 = TW.MultiplyAdd(r, x1, e1); }
                var x2 = TW.Load(xj + o2); a2 = TW.MultiplyAdd(v, x2, a2); b2 = TW.MultiplyAdd(u, x2, b2);
                if (four) { c2 = TW.MultiplyAdd(q, x2, c2); e2 = TW.MultiplyAdd(r, x2, e2); }
                var x3 = TW.Load(xj + o3); a3 = TW.MultiplyAdd(v, x3, a3); b3 = TW.MultiplyAdd(u, x3, b3);
                if (four) { c3 = TW.MultiplyAdd(q, x3, c3); e3 = TW.MultiplyAdd(r, x3, e3); }
            }
        }
        TW.Store(a0, acc); TW.Store(a1, acc + w); TW.Store(a2, acc + 2 * w); TW.Store(a3, acc + 3 * w);
        TW.Store(b0, acc + 4 * w); TW.Store(b1, acc + 5 * w); TW.Store(b2, acc + 6 * w); TW.Store(b3, acc + 7 * w);
        if (four)
        {
            TW.Store(c0, acc + 8 * w); TW.Store(c1, acc + 9 * w); TW.Store(c2, acc + 10 * w); TW.Store(c3, acc + 11 * w);
            TW.Store(e0, acc + 12 * w); TW.Store(e1, acc + 13 * w); TW.Store(e2, acc + 14 * w); TW.Store(e3, acc + 15 * w);
        }
    }

    /// <summary>
    /// dw[t] += Σ_n Σ_{j &lt; len} dzw[n][j] · xp[n][offsets[t] + j] for t &lt; TB.Value (len a multiple of 16: whole vectors at every width, and at most one vector past the last 2-vector step), with dzw[n] = d + n·DzStride
    /// and xp[n] = Xp + n·XpStride. The accumulators run across all samples.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void WeightGradientTaps<TW, TV, TB>(in WeightGradientSource s, float* d, int* offsets, float* dw) where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize
    {
        int nb = TB.Value, len = s.Len;
        nint o0 = offsets[0], o1 = nb > 1 ? offsets[1] : 0, o2 = nb > 2 ? offsets[2] : 0, o3 = nb > 3 ? offsets[3] : 0;
        nint o4 = nb > 4 ? offsets[4] : 0, o5 = nb > 5 ? offsets[5] : 0, o6 = nb > 6 ? offsets[6] : 0, o7 = nb > 7 ? offsets[7] : 0;
        TV a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        TV b0 = default;   // second accumulator for the single-tap case (breaks the FMA dependency chain)
        for (int n = 0; n < s.Batch; n++)
        {
            float* dzw = d + n * s.DzStride, xp = s.Xp + n * s.XpStride;
            if (nb == 1)
            {
                float* x0 = xp + o0;
                int j = 0;
                for (; j + 2 * TW.Count <= len; j += 2 * TW.Count)
                {
                    a0 = TW.MultiplyAdd(TW.Load(dzw + j), TW.Load(x0 + j), a0);
                    b0 = TW.MultiplyAdd(TW.Load(dzw + j + TW.Count), TW.Load(x0 + j + TW.Count), b0);
                }
                if (j < len) a0 = TW.MultiplyAdd(TW.Load(dzw + j), TW.Load(x0 + j), a0);
                continue;
            }
            for (int j = 0; j < len; j += TW.Count)
            {
                var v = TW.Load(dzw + j);
                float* xj = xp + j;
                a0 = TW.MultiplyAdd(v, TW.Load(xj + o0), a0);
                if (nb > 1) a1 = TW.MultiplyAdd(v, TW.Load(xj + o1), a1);
                if (nb > 2) a2 = TW.MultiplyAdd(v, TW.Load(xj + o2), a2);
                if (nb > 3) a3 = TW.MultiplyAdd(v, TW.Load(xj + o3), a3);
                if (nb > 4) a4 = TW.MultiplyAdd(v, TW.Load(xj + o4), a4);
                if (nb > 5) a5 = TW.MultiplyAdd(v, TW.Load(xj + o5), a5);
                if (nb > 6) a6 = TW.MultiplyAdd(v, TW.Load(xj + o6), a6);
                if (nb > 7) a7 = TW.MultiplyAdd(v, TW.Load(xj + o7), a7);
            }
        }
        dw[0] += TW.Sum(TW.Add(a0, b0));
        if (nb > 1) dw[1] += TW.Sum(a1);
        if (nb > 2) dw[2] += TW.Sum(a2);
        if (nb > 3) dw[3] += TW.Sum(a3);
        if (nb > 4) dw[4] += TW.Sum(a4);
        if (nb > 5) dw[5] += TW.Sum(a5);
        if (nb > 6) dw[6] += TW.Sum(a6);
        if (nb > 7) dw[7] += TW.Sum(a7);
    }
}
