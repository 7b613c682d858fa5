using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Stride-1 convolutions with few channels over a batch, one sample per vector lane (LeNet's C1 and C3): forward, dx and dW.
// The lane layout and its register transposes: Conv2DOp.SampleLanesLayout.cs.
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// The sample-lane path takes whole vectors of samples (16 with AVX-512, 8 with AVX2, 4 with SSE) of a convolution the
    /// direct kernels would run (<see cref="UseDirect"/>: stride 1, few input channels), one group, and in backward a dx the
    /// transposed convolution can give (<see cref="UseInputGradientByConvolution"/>). The samples past the last whole vector
    /// stay on the direct kernels.
    /// </summary>
    /// <remarks>
    /// The direct kernels vectorise along a sample's output pixels on the padded width, so they compute pixels that are then
    /// dropped: LeNet-5's C3 144 wide pixels for every 100 kept in forward, its dx 288 for 196. With one sample per lane every
    /// multiply-add serves a kept output, and a weight is one broadcast for a whole vector of samples. The price is a transpose
    /// of the input and the output (or dz and dx) per block of samples: 11 % of a LeNet-5 training step on one core (perf).
    /// </remarks>
    private static bool UseSampleLanes(in Conv2DGeometry g, int batch, bool backward)
        => batch >= SampleLanes && g.Groups == 1 && !IsPointwise(g) && UseDirect(g) && (!backward || UseInputGradientByConvolution(g))
           && SampleLanesBytes(g) <= SampleLanesMaxBytes;

    /// <summary>Most bytes one block's lane buffers may take: LeNet-5's C1 and C3 need about 0.5 MB, ResNet-20's first
    /// convolution 1.0 MB, while VGG's first (3 → 64 channels on 224 × 224) would need 215 MB a thread, so it stays direct.</summary>
    private const long SampleLanesMaxBytes = 4L << 20;

    /// <summary>Bytes of the lane buffers one block of samples uses at the widest vectors (16 samples): the padded input and the
    /// output, or in backward the padded dz and dx beside the input.</summary>
    private static long SampleLanesBytes(in Conv2DGeometry g)
    {
        var t = TransposedGeometry(g);
        long input = (long)g.InChannels * g.PaddedHeight * g.PaddedWidth, output = g.OutputLength;
        long dz = (long)g.OutChannels * t.PaddedHeight * t.PaddedWidth;
        return 16L * sizeof(float) * Math.Max(input + output, input + dz + g.InputLength);
    }

    /// <summary>Samples per vector: one per lane of the widest vectors the kernels use.</summary>
    private static int SampleLanes => Simd.Width / 32;

    /// <summary>
    /// y = act(conv(x, w) + b) for the first ⌊batch / L⌋·L samples (L = <see cref="SampleLanes"/>), L at a time; returns how
    /// many it did. Each output is the bias plus the taps in the weight's order, one fused multiply-add each, as
    /// <see cref="DirectForward"/> sums it, so both paths give the same bits.
    /// </summary>
    private static int SampleLanesForward(in Conv2DGeometry g, int batch, float* x, float* w, float* b, float* y, Act act, float slope)
    {
        int L = SampleLanes, done = batch / L * L;
        float* xl = Scratch.Get(Scratch.LaneInput, (long)g.InChannels * g.PaddedHeight * g.PaddedWidth * L);
        float* yl = Scratch.Get(Scratch.LaneOutput, (long)g.OutputLength * L);
        for (int n0 = 0; n0 < done; n0 += L)
        {
            ToSampleLanes(g, x + (nint)n0 * g.InputLength, L, xl);
            SampleLanesConvolution(g, xl, w, b, yl);
            ActivationOp.Forward(act, slope, new Span<float>(yl, g.OutputLength * L), new Span<float>(yl, g.OutputLength * L));
            FromSampleLanes(yl, g.OutputLength, L, y + (nint)n0 * g.OutputLength, accumulate: false);
        }
        return done;
    }

    /// <summary>
    /// The backward pass of <see cref="Backward"/> for the first ⌊batch / L⌋·L samples, L at a time: dw += (over those samples),
    /// and dx += the transposed convolution of dz (skipped when <paramref name="dx"/> is null) by the forward kernel on dz padded
    /// for it (<paramref name="transposed"/>, the caller's <see cref="TransposedGeometry"/> of g), with the flipped weights
    /// <paramref name="wFlipped"/>. Returns how many samples it did (db stays with the caller).
    /// </summary>
    private static int SampleLanesBackward(in Conv2DGeometry g, in Conv2DGeometry transposed, int batch, float* x, float* wFlipped, float* dz, float* dx, float* dw)
    {
        int L = SampleLanes, done = batch / L * L, K = g.InChannels * g.KernelH * g.KernelW, O = g.OutChannels;
        // Without dx (a first layer) dz needs no padding: dW reads only its own pixels.
        var t = dx == null ? transposed with { PadH = 0, PadW = 0, PadBottom = 0, PadRight = 0 } : transposed;
        float* xl = Scratch.Get(Scratch.LaneInput, (long)g.InChannels * g.PaddedHeight * g.PaddedWidth * L);
        float* dzl = Scratch.Get(Scratch.LaneOutputGradient, (long)O * t.PaddedHeight * t.PaddedWidth * L);
        float* dxl = dx == null ? null : Scratch.Get(Scratch.LaneOutput, (long)g.InputLength * L);
        float* dwl = Scratch.Get(Scratch.LaneWeightGradient, (long)O * K * L);
        new Span<float>(dwl, O * K * L).Clear();
        for (int n0 = 0; n0 < done; n0 += L)
        {
            ToSampleLanes(g, x + (nint)n0 * g.InputLength, L, xl);
            ToSampleLanes(t, dz + (nint)n0 * g.OutputLength, L, dzl);
            SampleLanesWeightGradient(g, t, xl, dzl, dwl);
            if (dx == null) continue;
            SampleLanesConvolution(t, dzl, wFlipped, null, dxl);
            FromSampleLanes(dxl, g.InputLength, L, dx + (nint)n0 * g.InputLength, accumulate: true);
        }
        switch (Simd.Width)
        {
            case 512: AddLaneSums<Lanes512, Vector512<float>>(dwl, O * K, dw); break;
            case 256: AddLaneSums<Lanes256, Vector256<float>>(dwl, O * K, dw); break;
            default: AddLaneSums<Lanes128, Vector128<float>>(dwl, O * K, dw); break;
        }
        return done;
    }

    /// <summary>dst[i] += the sum of the lanes of vector i of <paramref name="lanes"/>, for i ∈ [0, count).</summary>
    private static void AddLaneSums<TW, TV>(float* lanes, int count, float* dst) where TW : struct, ILanes<TV> where TV : struct
    {
        for (int i = 0; i < count; i++) dst[i] += TW.Sum(TW.Load(lanes + (nint)i * TW.Count));
    }

    /// <summary>
    /// yl[(o·OH + oh)·OW + ow] (a vector of samples) = b[o] + Σ_k w[o, k] · xl[offsets[k] + (oh·Wp + ow)], k = (c, kh, kw) in the
    /// weight's order (skipping the taps that read only zero padding rows for the row), on the lane layout of <see cref="ToSampleLanes"/>: blocks of up to 4 output channels × 5 output pixels
    /// of a row in 20 accumulators with AVX-512 (2 × 4 in 8 with 16 registers); per tap one input load per pixel and one
    /// weight broadcast per channel.
    /// </summary>
    private static void SampleLanesConvolution(in Conv2DGeometry g, float* xl, float* w, float* b, float* yl)
    {
        switch (Simd.Width)
        {
            case 512: SampleLanesConvolution<Lanes512, Vector512<float>>(g, xl, w, b, yl); break;
            case 256: SampleLanesConvolution<Lanes256, Vector256<float>>(g, xl, w, b, yl); break;
            default: SampleLanesConvolution<Lanes128, Vector128<float>>(g, xl, w, b, yl); break;
        }
    }

    private static void SampleLanesConvolution<TW, TV>(in Conv2DGeometry g, float* xl, float* w, float* b, float* yl)
        where TW : struct, ILanes<TV> where TV : struct
    {
        int L = TW.Count, O = g.OutChannels, OH = g.OutHeight, OW = g.OutWidth, K = g.InChannels * g.KernelH * g.KernelW;
        int maxChannels = L == 16 ? 4 : 2, maxPixels = L == 16 ? 5 : 4;
        int* offsets = stackalloc int[K];
        LaneTapOffsets(g, L, new Span<int>(offsets, K));
        // Per output row, only the kernel rows that read input rows, not the zero rows of the padding (the same order of the
        // remaining taps, so the sums are the direct path's): dx's transposed convolution pads by K − 1 − p, C3's dz 10 rows to
        // 18, and without this two taps in seven would multiply zeros.
        int taps = g.KernelH * g.KernelW;
        for (int oh = 0; oh < OH; oh++)
        {
            var (kh0, kh1) = InputKernelRows(g, oh);
            var rowTaps = new LaneTaps(offsets, kh0 * g.KernelW, (kh1 - kh0 + 1) * g.KernelW, taps, g.InChannels, K);
            for (int o0 = 0; o0 < O; o0 += maxChannels)
            {
                int nb = Math.Min(maxChannels, O - o0);
                float* wb = w + (nint)o0 * K, bb = b == null ? null : b + o0;
                for (int ow = 0; ow < OW; ow += maxPixels)
                {
                    int np = Math.Min(maxPixels, OW - ow);
                    float* xs = xl + ((nint)oh * g.PaddedWidth + ow) * L, ys = yl + (((nint)o0 * OH + oh) * OW + ow) * L;
                    switch (nb)
                    {
                        case 1: SampleLanesBlock<TW, TV, N1>(np, xs, rowTaps, wb, bb, ys, OH * OW * L); break;
                        case 2: SampleLanesBlock<TW, TV, N2>(np, xs, rowTaps, wb, bb, ys, OH * OW * L); break;
                        case 3: SampleLanesBlock<TW, TV, N3>(np, xs, rowTaps, wb, bb, ys, OH * OW * L); break;
                        default: SampleLanesBlock<TW, TV, N4>(np, xs, rowTaps, wb, bb, ys, OH * OW * L); break;
                    }
                }
            }
        }
    }

    /// <summary>Where each tap k = (c, kh, kw) reads from an output pixel's corner in the lane layout of
    /// <see cref="ToSampleLanes"/> (<see cref="TapOffsets"/> on the padded plane, times the <paramref name="L"/> lanes).</summary>
    private static void LaneTapOffsets(in Conv2DGeometry g, int L, Span<int> offsets)
    {
        TapOffsets(g, g.PaddedHeight * g.PaddedWidth, offsets);
        for (int k = 0; k < offsets.Length; k++) offsets[k] *= L;
    }

    /// <summary>The kernel rows [first, last] that output row <paramref name="oh"/> of a stride-1 convolution reads from input
    /// rows, not from the zero rows of the padding.</summary>
    private static (int First, int Last) InputKernelRows(in Conv2DGeometry g, int oh)
    {
        int first = 0, last = g.KernelH - 1;
        while (first <= last && oh + first * g.DilationH < g.PadH) first++;
        while (last >= first && oh + last * g.DilationH >= g.PadH + g.InHeight) last--;
        return (first, last);
    }

    /// <summary>The taps one output row of <see cref="SampleLanesBlock{TW, TV, TB, TP}"/> sums: of each of the Channels input
    /// channels (weight columns c·PerChannel + …), the Count taps from First; Offsets[k] is where tap k reads from the pixel's corner.</summary>
    private readonly struct LaneTaps(int* offsets, int first, int count, int perChannel, int channels, int k)
    {
        public readonly int* Offsets = offsets;
        public readonly int First = first, Count = count, PerChannel = perChannel, Channels = channels, K = k;
    }

    private static void SampleLanesBlock<TW, TV, TB>(int pixels, float* xs, in LaneTaps taps, float* w, float* b, float* ys, int channelStride)
        where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize
    {
        switch (pixels)
        {
            case 1: SampleLanesBlock<TW, TV, TB, N1>(xs, taps, w, b, ys, channelStride); break;
            case 2: SampleLanesBlock<TW, TV, TB, N2>(xs, taps, w, b, ys, channelStride); break;
            case 3: SampleLanesBlock<TW, TV, TB, N3>(xs, taps, w, b, ys, channelStride); break;
            case 4: SampleLanesBlock<TW, TV, TB, N4>(xs, taps, w, b, ys, channelStride); break;
            default: SampleLanesBlock<TW, TV, TB, N5>(xs, taps, w, b, ys, channelStride); break;
        }
    }

    /// <summary>TB.Value output channels × TP.Value consecutive output pixels of one row; accumulator aCP holds channel C, pixel P.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void SampleLanesBlock<TW, TV, TB, TP>(float* xs, in LaneTaps taps, float* w, float* b, float* ys, int channelStride)
        where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize where TP : struct, IBlockSize
    {
        int nb = TB.Value, np = TP.Value, L = TW.Count, K = taps.K;
        int* offsets = taps.Offsets;
        var a00 = TW.Broadcast(b == null ? 0f : b[0]); var a01 = a00; var a02 = a00; var a03 = a00; var a04 = a00;
        var a10 = nb > 1 ? TW.Broadcast(b == null ? 0f : b[1]) : default; var a11 = a10; var a12 = a10; var a13 = a10; var a14 = a10;
        var a20 = nb > 2 ? TW.Broadcast(b == null ? 0f : b[2]) : default; var a21 = a20; var a22 = a20; var a23 = a20; var a24 = a20;
        var a30 = nb > 3 ? TW.Broadcast(b == null ? 0f : b[3]) : default; var a31 = a30; var a32 = a30; var a33 = a30; var a34 = a30;
        for (int c = 0, kc = taps.First; c < taps.Channels; c++, kc += taps.PerChannel)
        for (int k = kc; k < kc + taps.Count; k++)
        {
            float* s = xs + offsets[k];
            var x0 = TW.Load(s);
            var x1 = np > 1 ? TW.Load(s + L) : default;
            var x2 = np > 2 ? TW.Load(s + 2 * L) : default;
            var x3 = np > 3 ? TW.Load(s + 3 * L) : default;
            var x4 = np > 4 ? TW.Load(s + 4 * L) : default;
            float* wk = w + k;
            MultiplyAddRow<TW, TV, TP>(TW.Broadcast(wk[0]), x0, x1, x2, x3, x4, ref a00, ref a01, ref a02, ref a03, ref a04);
            if (nb > 1) MultiplyAddRow<TW, TV, TP>(TW.Broadcast(wk[K]), x0, x1, x2, x3, x4, ref a10, ref a11, ref a12, ref a13, ref a14);
            if (nb > 2) MultiplyAddRow<TW, TV, TP>(TW.Broadcast(wk[2 * K]), x0, x1, x2, x3, x4, ref a20, ref a21, ref a22, ref a23, ref a24);
            if (nb > 3) MultiplyAddRow<TW, TV, TP>(TW.Broadcast(wk[3 * K]), x0, x1, x2, x3, x4, ref a30, ref a31, ref a32, ref a33, ref a34);
        }
        StoreRow<TW, TV, TP>(a00, a01, a02, a03, a04, ys, accumulate: false);
        if (nb > 1) StoreRow<TW, TV, TP>(a10, a11, a12, a13, a14, ys + channelStride, accumulate: false);
        if (nb > 2) StoreRow<TW, TV, TP>(a20, a21, a22, a23, a24, ys + 2 * channelStride, accumulate: false);
        if (nb > 3) StoreRow<TW, TV, TP>(a30, a31, a32, a33, a34, ys + 3 * channelStride, accumulate: false);
    }

    /// <summary>a_p += v · x_p for the first TN.Value of five accumulators: one channel's row of an outer-product step, shared by
    /// the convolution (v a broadcast weight, x_p the pixels' inputs) and the weight gradient (v a dz vector, x_p the taps' inputs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyAddRow<TW, TV, TN>(TV v, TV x0, TV x1, TV x2, TV x3, TV x4, ref TV a0, ref TV a1, ref TV a2, ref TV a3, ref TV a4)
        where TW : struct, ILanes<TV> where TV : struct where TN : struct, IBlockSize
    {
        int n = TN.Value;
        a0 = TW.MultiplyAdd(v, x0, a0);
        if (n > 1) a1 = TW.MultiplyAdd(v, x1, a1);
        if (n > 2) a2 = TW.MultiplyAdd(v, x2, a2);
        if (n > 3) a3 = TW.MultiplyAdd(v, x3, a3);
        if (n > 4) a4 = TW.MultiplyAdd(v, x4, a4);
    }

    /// <summary>Stores the first TN.Value of five vectors at consecutive vectors from <paramref name="y"/>, or adds them to
    /// what is there with <paramref name="accumulate"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TW, TV, TN>(TV v0, TV v1, TV v2, TV v3, TV v4, float* y, bool accumulate)
        where TW : struct, ILanes<TV> where TV : struct where TN : struct, IBlockSize
    {
        int n = TN.Value, L = TW.Count;
        Put(v0, y, accumulate);
        if (n > 1) Put(v1, y + L, accumulate);
        if (n > 2) Put(v2, y + 2 * L, accumulate);
        if (n > 3) Put(v3, y + 3 * L, accumulate);
        if (n > 4) Put(v4, y + 4 * L, accumulate);

        static void Put(TV v, float* p, bool add) => TW.Store(add ? TW.Add(TW.Load(p), v) : v, p);
    }

    /// <summary>
    /// dwl[o·K + k] (a vector of per-lane partial sums) += Σ_{oh, ow} dz[o, oh, ow] · xl[offsets[k] + (oh·Wp + ow)] over one
    /// block of samples: xl is the padded input (<see cref="ToSampleLanes"/> of <paramref name="g"/>), dzl dz padded for the
    /// transposed convolution <paramref name="t"/> (its outputs start at row and column t's padding). Blocks of up to 4 output
    /// channels × 5 taps in 20 accumulators with AVX-512 (2 × 4 otherwise), each pixel loading one dz vector per channel and one
    /// input vector per tap.
    /// </summary>
    private static void SampleLanesWeightGradient(in Conv2DGeometry g, in Conv2DGeometry t, float* xl, float* dzl, float* dwl)
    {
        switch (Simd.Width)
        {
            case 512: SampleLanesWeightGradient<Lanes512, Vector512<float>>(g, t, xl, dzl, dwl); break;
            case 256: SampleLanesWeightGradient<Lanes256, Vector256<float>>(g, t, xl, dzl, dwl); break;
            default: SampleLanesWeightGradient<Lanes128, Vector128<float>>(g, t, xl, dzl, dwl); break;
        }
    }

    private static void SampleLanesWeightGradient<TW, TV>(in Conv2DGeometry g, in Conv2DGeometry t, float* xl, float* dzl, float* dwl)
        where TW : struct, ILanes<TV> where TV : struct
    {
        int L = TW.Count, O = g.OutChannels, K = g.InChannels * g.KernelH * g.KernelW;
        int maxChannels = L == 16 ? 4 : 2, maxTaps = L == 16 ? 5 : 4;
        int* offsets = stackalloc int[K];
        LaneTapOffsets(g, L, new Span<int>(offsets, K));
        var src = new LaneGradientSource(dzl + ((nint)t.PadH * t.PaddedWidth + t.PadW) * L, t.PaddedHeight * t.PaddedWidth * L, t.PaddedWidth * L,
            xl, g.PaddedWidth * L, g.OutHeight, g.OutWidth, L);
        for (int o0 = 0; o0 < O; o0 += maxChannels)
        {
            int nb = Math.Min(maxChannels, O - o0);
            for (int k0 = 0; k0 < K; k0 += maxTaps)
            {
                int nt = Math.Min(maxTaps, K - k0);
                float* acc = dwl + ((nint)o0 * K + k0) * L;
                switch (nb)
                {
                    case 1: SampleLanesWeightGradientBlock<TW, TV, N1>(nt, src, o0, offsets + k0, acc, K * L); break;
                    case 2: SampleLanesWeightGradientBlock<TW, TV, N2>(nt, src, o0, offsets + k0, acc, K * L); break;
                    case 3: SampleLanesWeightGradientBlock<TW, TV, N3>(nt, src, o0, offsets + k0, acc, K * L); break;
                    default: SampleLanesWeightGradientBlock<TW, TV, N4>(nt, src, o0, offsets + k0, acc, K * L); break;
                }
            }
        }
    }

    /// <summary>Where <see cref="SampleLanesWeightGradientBlock{TW, TV, TB, TT}"/> reads: dz's output pixel (oh, ow) of channel o
    /// at Dz + o·DzChannel + oh·DzRow + ow·L, the padded input's tap base for it at X + oh·XRow + ow·L.</summary>
    private readonly struct LaneGradientSource(float* dz, int dzChannel, int dzRow, float* x, int xRow, int outHeight, int outWidth, int lanes)
    {
        public readonly float* Dz = dz, X = x;
        public readonly int DzChannel = dzChannel, DzRow = dzRow, XRow = xRow, OutHeight = outHeight, OutWidth = outWidth, Lanes = lanes;
    }

    private static void SampleLanesWeightGradientBlock<TW, TV, TB>(int taps, in LaneGradientSource s, int o0, int* offsets, float* acc, int channelStride)
        where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize
    {
        switch (taps)
        {
            case 1: SampleLanesWeightGradientBlock<TW, TV, TB, N1>(s, o0, offsets, acc, channelStride); break;
            case 2: SampleLanesWeightGradientBlock<TW, TV, TB, N2>(s, o0, offsets, acc, channelStride); break;
            case 3: SampleLanesWeightGradientBlock<TW, TV, TB, N3>(s, o0, offsets, acc, channelStride); break;
            case 4: SampleLanesWeightGradientBlock<TW, TV, TB, N4>(s, o0, offsets, acc, channelStride); break;
            default: SampleLanesWeightGradientBlock<TW, TV, TB, N5>(s, o0, offsets, acc, channelStride); break;
        }
    }

    /// <summary>TB.Value output channels (from <paramref name="o0"/>) × TT.Value taps (<paramref name="offsets"/>); accumulator aCT
    /// holds channel C, tap T, and is added to acc[C·channelStride + T·L] at the end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void SampleLanesWeightGradientBlock<TW, TV, TB, TT>(in LaneGradientSource s, int o0, int* offsets, float* acc, int channelStride)
        where TW : struct, ILanes<TV> where TV : struct where TB : struct, IBlockSize where TT : struct, IBlockSize
    {
        int nb = TB.Value, nt = TT.Value, L = TW.Count;
        int f0 = offsets[0], f1 = nt > 1 ? offsets[1] : 0, f2 = nt > 2 ? offsets[2] : 0, f3 = nt > 3 ? offsets[3] : 0, f4 = nt > 4 ? offsets[4] : 0;
        TV a00 = TW.Zero, a01 = a00, a02 = a00, a03 = a00, a04 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        TV a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        int dzChannel = s.DzChannel;
        for (int oh = 0; oh < s.OutHeight; oh++)
        {
            float* dRow = s.Dz + (nint)o0 * dzChannel + (nint)oh * s.DzRow, xRow = s.X + (nint)oh * s.XRow;
            for (int ow = 0; ow < s.OutWidth; ow++)
            {
                float* d = dRow + (nint)ow * L, x = xRow + (nint)ow * L;
                var x0 = TW.Load(x + f0);
                var x1 = nt > 1 ? TW.Load(x + f1) : default;
                var x2 = nt > 2 ? TW.Load(x + f2) : default;
                var x3 = nt > 3 ? TW.Load(x + f3) : default;
                var x4 = nt > 4 ? TW.Load(x + f4) : default;
                MultiplyAddRow<TW, TV, TT>(TW.Load(d), x0, x1, x2, x3, x4, ref a00, ref a01, ref a02, ref a03, ref a04);
                if (nb > 1) MultiplyAddRow<TW, TV, TT>(TW.Load(d + dzChannel), x0, x1, x2, x3, x4, ref a10, ref a11, ref a12, ref a13, ref a14);
                if (nb > 2) MultiplyAddRow<TW, TV, TT>(TW.Load(d + 2 * dzChannel), x0, x1, x2, x3, x4, ref a20, ref a21, ref a22, ref a23, ref a24);
                if (nb > 3) MultiplyAddRow<TW, TV, TT>(TW.Load(d + 3 * dzChannel), x0, x1, x2, x3, x4, ref a30, ref a31, ref a32, ref a33, ref a34);
            }
        }
        StoreRow<TW, TV, TT>(a00, a01, a02, a03, a04, acc, accumulate: true);
        if (nb > 1) StoreRow<TW, TV, TT>(a10, a11, a12, a13, a14, acc + channelStride, accumulate: true);
        if (nb > 2) StoreRow<TW, TV, TT>(a20, a21, a22, a23, a24, acc + 2 * channelStride, accumulate: true);
        if (nb > 3) StoreRow<TW, TV, TT>(a30, a31, a32, a33, a34, acc + 3 * channelStride, accumulate: true);
    }
}
