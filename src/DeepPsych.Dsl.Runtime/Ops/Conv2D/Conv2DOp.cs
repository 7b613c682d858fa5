using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// 2-D convolution, forward and backward (CPU, single-threaded, vectorised). Layout NCHW / OIHW as PyTorch.
/// </summary>
/// <remarks>
/// Strategy per group (g) and sample:
/// <list type="bullet">
/// <item>1×1, stride 1, no padding: the input already is the GEMM's B matrix (C/G × H·W) — no im2col.</item>
/// <item>one input channel per group (depthwise, G = C): a direct loop over the kernel taps, vectorised along output rows.</item>
/// <item>stride 1 with at most <see cref="DirectMaxInChannels"/> input channels per group, AVX-512 (LeNet's C1 and C3): a direct
/// convolution on a zero-padded copy, vectorised over output pixels (<see cref="DirectForward"/>). In backward, every stride-1
/// convolution gets dW by a direct batch-wide correlation (<see cref="DirectWeightGradient"/>), and those with ≤ 8 input
/// channels per group get dx as a direct convolution of dz with the flipped weights (<see cref="DirectInputGradient"/>).</item>
/// <item>otherwise im2col + GEMM: the im2col matrix is never materialised whole for the forward pass; it is generated
/// straight into the GEMM's packed B panels (<see cref="Im2ColPanels"/>), block by block, while it is hot in cache.</item>
/// </list>
/// Column index k of the im2col matrix is (c, kh, kw) flattened as c·KH·KW + kh·KW + kw — the weight's own OIHW order,
/// so W_g (O/G × K) is used as stored. Row j is the output pixel oh·OW + ow.
/// </remarks>
public static unsafe class Conv2DOp
{
    /// <summary>Target size of one im2col/col2im block in the backward pass (K × pixels floats), sized for L2.</summary>
    private const int ColumnBlockBytes = 1024 * 1024;

    /// <summary>
    /// y = act(conv(x, w) + b): y[n, o, oh, ow] = act(b[o] + Σ_{c ∈ group(o), kh, kw} w[o, c, kh, kw] · x[n, c, oh·s − p + kh·d, ow·s − p + kw·d]),
    /// reading zero outside the input. The bias and activation are fused into the GEMM epilogue.
    /// </summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="w">Weights, O × C/G × KH × KW.</param>
    /// <param name="b">Bias, O floats, or empty for no bias.</param>
    /// <param name="y">Output, N × O × OH × OW (overwritten).</param>
    /// <param name="act">Activation fused into the output pass.</param>
    /// <param name="leakySlope">α for <see cref="Act.LeakyReLU"/>.</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Forward(in Conv2DGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y,
        Act act = Act.None, float leakySlope = 0.01f)
    {
        const string op = "Conv2DOp.Forward";
        CheckCommon(op, g, batch, x.Length, w.Length);
        if (!b.IsEmpty && b.Length != g.OutChannels) throw new ArgumentException($"{op}: bias has {b.Length} elements but there are {g.OutChannels} output channels (pass an empty span for no bias).");
        if (y.Length != (long)batch * g.OutputLength) throw new ArgumentException($"{op}: y has {y.Length} elements but {batch}x{g.OutChannels}x{g.OutHeight}x{g.OutWidth} = {(long)batch * g.OutputLength} are needed.");

        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G, K = Cg * g.KernelH * g.KernelW;
        int HW = g.InHeight * g.InWidth, P = g.OutHeight * g.OutWidth;
        bool pointwise = IsPointwise(g);
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pb = b) fixed (float* py = y)
        {
            for (int n = 0; n < batch; n++)
            {
                float* xs = px + (nint)n * g.InputLength, ys = py + (nint)n * g.OutputLength;
                if (Cg == 1 && G > 1 && !pointwise) { DepthwiseForward(g, xs, pw, pb, ys, act, leakySlope); continue; }
                for (int grp = 0; grp < G; grp++)
                {
                    float* xg = xs + (nint)grp * Cg * HW, wg = pw + (nint)grp * Og * K, yg = ys + (nint)grp * Og * P;
                    float* bg = pb == null ? null : pb + grp * Og;
                    if (pointwise)
                    {
                        var src = new Gemm.MatrixPanels(xg, HW);
                        Gemm.MultiplyCore(Og, P, K, wg, K, false, ref src, yg, P, false, bg, null, act, leakySlope);
                    }
                    else if (UseDirect(g))
                    {
                        DirectForward(g, xg, wg, bg, yg, act, leakySlope);
                    }
                    else if (g.StrideH == 1 && g.StrideW == 1)
                    {
                        ForwardStride1(g, xg, wg, bg, yg, act, leakySlope);
                    }
                    else
                    {
                        var src = new Im2ColPanels(g, xg);
                        Gemm.MultiplyCore(Og, P, K, wg, K, false, ref src, yg, P, false, bg, null, act, leakySlope);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Backward of the convolution, given dz = dL/d(pre-activation output) (apply the activation derivative first, e.g.
    /// <see cref="ActivationOp.ApplyDerivativeInPlace"/>). Accumulates (+=):
    /// dw[o, c, kh, kw] += Σ_{n, oh, ow} dz[n, o, oh, ow] · x[n, c, ih, iw];  db[o] += Σ_{n, oh, ow} dz[n, o, oh, ow];
    /// dx[n, c, ih, iw] += Σ_{o, kh, kw} w[o, c, kh, kw] · dz[n, o, oh, ow]  (the transposed convolution),
    /// with ih = oh·s − p + kh·d, iw = ow·s − p + kw·d.
    /// </summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="x">Forward input, N × C × H × W.</param>
    /// <param name="w">Weights, O × C/G × KH × KW.</param>
    /// <param name="dz">Gradient w.r.t. the pre-activation output, N × O × OH × OW.</param>
    /// <param name="dx">Input gradient (accumulated), or empty to skip it (first layer).</param>
    /// <param name="dw">Weight gradient (accumulated).</param>
    /// <param name="db">Bias gradient (accumulated), or empty when the layer has no bias.</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Backward(in Conv2DGeometry g, int batch, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dz,
        Span<float> dx, Span<float> dw, Span<float> db)
    {
        const string op = "Conv2DOp.Backward";
        CheckCommon(op, g, batch, x.Length, w.Length);
        if (dz.Length != (long)batch * g.OutputLength) throw new ArgumentException($"{op}: dz has {dz.Length} elements but {batch}x{g.OutChannels}x{g.OutHeight}x{g.OutWidth} = {(long)batch * g.OutputLength} are needed.");
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException($"{op}: dx has {dx.Length} elements but x has {x.Length} (pass an empty span to skip the input gradient).");
        if (dw.Length != w.Length) throw new ArgumentException($"{op}: dw has {dw.Length} elements but w has {w.Length}.");
        if (!db.IsEmpty && db.Length != g.OutChannels) throw new ArgumentException($"{op}: db has {db.Length} elements but there are {g.OutChannels} output channels.");

        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G, K = Cg * g.KernelH * g.KernelW;
        int HW = g.InHeight * g.InWidth, P = g.OutHeight * g.OutWidth;
        bool pointwise = IsPointwise(g);
        int pb = Math.Min(P, Math.Max(Gemm.MicroColumns, ColumnBlockBytes / 4 / K / Gemm.MicroColumns * Gemm.MicroColumns));   // pixels per im2col block (whole GEMM panels)
        // Stride 1 (not pointwise / depthwise): dW for the whole batch by direct vectorised correlation, one group at a time;
        // the sample loop below then only does db and, if wanted, dx (GEMM + col2im).
        bool directW = !pointwise && !(Cg == 1 && G > 1) && UseDirectWeightGradient(g);
        // dx as a direct stride-1 convolution of dz with the flipped, transposed weights (see DirectInputGradient).
        bool directDx = directW && !dx.IsEmpty && UseDirectInputGradient(g);
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pdz = dz) fixed (float* pdx = dx) fixed (float* pdw = dw) fixed (float* pdb = db)
        {
            if (directW && batch > 0)
                for (int grp = 0; grp < G; grp++)
                    DirectWeightGradient(g, batch, px + (nint)grp * Cg * HW, pdz + (nint)grp * Og * P, pdw + (nint)grp * Og * K);
            float* wFlipped = directDx ? FlipWeights(g, pw) : null;
            for (int n = 0; n < batch; n++)
            {
                float* xs = px + (nint)n * g.InputLength, dzs = pdz + (nint)n * g.OutputLength;
                float* dxs = pdx == null ? null : pdx + (nint)n * g.InputLength;
                if (pdb != null)
                    for (int o = 0; o < g.OutChannels; o++) pdb[o] += Sum(dzs + (nint)o * P, P);
                if (Cg == 1 && G > 1 && !pointwise) { DepthwiseBackward(g, xs, pw, dzs, dxs, pdw); continue; }
                for (int grp = 0; grp < G; grp++)
                {
                    float* xg = xs + (nint)grp * Cg * HW, wg = pw + (nint)grp * Og * K, dwg = pdw + (nint)grp * Og * K;
                    float* dzg = dzs + (nint)grp * Og * P, dxg = dxs == null ? null : dxs + (nint)grp * Cg * HW;
                    if (pointwise)
                    {
                        // dW_g += dz_g (Og × P) · x_gᵀ (P × Cg);  dx_g += W_gᵀ (Cg × Og) · dz_g (Og × P).
                        var xT = new Gemm.TransposedMatrixPanels(xg, HW);
                        Gemm.MultiplyCore(Og, K, P, dzg, P, false, ref xT, dwg, K, true, null, null, Act.None, 0f);
                        if (dxg != null)
                        {
                            var src = new Gemm.MatrixPanels(dzg, P);
                            Gemm.MultiplyCore(K, P, Og, wg, K, true, ref src, dxg, HW, true, null, null, Act.None, 0f);
                        }
                        continue;
                    }
                    if (directW && dxg == null) continue;   // dW done above; nothing left for this group
                    if (directDx)
                    {
                        DirectInputGradient(g, dzg, wFlipped + (nint)grp * Cg * Og * g.KernelH * g.KernelW, dxg);
                        continue;
                    }
                    float* col = Scratch.Get(Scratch.Columns, (long)K * pb);
                    for (int j0 = 0; j0 < P; j0 += pb)
                    {
                        int nc = Math.Min(pb, P - j0);
                        if (!directW)
                        {
                            // dW_g += dz_g[:, block] · col[:, block]ᵀ
                            Im2Col(g, xg, 0, K, j0, nc, col, nc);
                            var colT = new Gemm.TransposedMatrixPanels(col, nc);
                            Gemm.MultiplyCore(Og, K, nc, dzg + j0, P, false, ref colT, dwg, K, true, null, null, Act.None, 0f);
                        }
                        if (dxg != null)
                        {
                            // dcol = W_gᵀ · dz_g[:, block], then scatter-add (col2im) into dx_g.
                            var src = new Gemm.MatrixPanels(dzg + j0, P);
                            Gemm.MultiplyCore(K, nc, Og, wg, K, true, ref src, col, nc, false, null, null, Act.None, 0f);
                            Col2ImAdd(g, col, K, j0, nc, nc, dxg);
                        }
                    }
                }
            }
        }
    }

    private static void CheckCommon(string op, in Conv2DGeometry g, int batch, int xLength, int wLength)
    {
        g.Validate(op);
        if (batch < 0) throw new ArgumentException($"{op}: batch is {batch}.");
        if (xLength != (long)batch * g.InputLength) throw new ArgumentException($"{op}: x has {xLength} elements but {batch}x{g.InChannels}x{g.InHeight}x{g.InWidth} = {(long)batch * g.InputLength} are needed.");
        if (wLength != g.WeightLength) throw new ArgumentException($"{op}: w has {wLength} elements but {g.OutChannels}x{g.InChannels / g.Groups}x{g.KernelH}x{g.KernelW} = {g.WeightLength} are needed.");
    }

    private static bool IsPointwise(in Conv2DGeometry g)
        => g.KernelH == 1 && g.KernelW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.PadH == 0 && g.PadW == 0;

    /// <summary>
    /// Stride-1 forward of one group of one sample via the "wide output" trick: on the zero-padded input xp (Hp × Wp),
    /// im2col row k = (c, kh, kw) is simply xp[c] read from offset kh·dh·Wp + kw·dw, if the output is computed on the
    /// padded width (pixel j = oh·Wp + ow, ow ∈ [0, Wp)). So B panels are plain copies (no per-pixel bounds checks);
    /// the Wp − OW extra columns per row are computed and dropped when the output is compacted.
    /// </summary>
    private static void ForwardStride1(in Conv2DGeometry g, float* x, float* w, float* b, float* y, Act act, float slope)
    {
        int Cg = g.InChannels / g.Groups, Og = g.OutChannels / g.Groups, K = Cg * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.InWidth + 2 * g.PadW;
        float* xp = PadInput(g, x, out int planeLength);
        int Pw = OH * Wp;
        float* yw = Wp == OW ? y : Scratch.Get(Scratch.Wide, (long)Og * Pw);
        var src = new ShiftedRowsPanels(xp, planeLength, Wp, g.KernelH, g.KernelW, g.DilationH, g.DilationW);
        Gemm.MultiplyCore(Og, Pw, K, w, K, false, ref src, yw, Pw, false, b, null, act, slope);
        if (yw != y)
            for (int o = 0; o < Og; o++)
                for (int oh = 0; oh < OH; oh++)
                    Gemm.Copy(yw + (nint)o * Pw + (nint)oh * Wp, y + (nint)o * OH * OW + (nint)oh * OW, OW);
    }

    /// <summary>Copies one group's Cg input planes into a zero-padded (H + 2ph) × (W + 2pw) buffer, with a zeroed tail so shifted reads stay in bounds.</summary>
    private static float* PadInput(in Conv2DGeometry g, float* x, out int planeLength) => PadInput(g, 1, 0, x, out planeLength);

    /// <summary>
    /// The same for one group of <paramref name="samples"/> samples (input sample stride <paramref name="xStride"/>):
    /// sample n's Cg padded planes start at n·Cg·plane in the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* PadInput(in Conv2DGeometry g, int samples, int xStride, float* x, out int planeLength)
    {
        int Cg = g.InChannels / g.Groups, H = g.InHeight, W = g.InWidth, Hp = H + 2 * g.PadH, Wp = W + 2 * g.PadW;
        planeLength = Hp * Wp;
        int slack = (g.KernelW - 1) * g.DilationW + 2 * 16;   // the direct path reads up to 31 floats past the last wide pixel
        int perSample = Cg * planeLength;
        long total = (long)samples * perSample + slack;
        float* xp = Scratch.Get(Scratch.Padded, total);
        for (int n = 0; n < samples; n++)
        {
            float* xs = x + (nint)n * xStride, xps = xp + (nint)n * perSample;
            if (g.PadH == 0 && g.PadW == 0)
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

    /// <summary>B[k, j] = xp[c·plane + kh·dh·Wp + kw·dw + j] for k = (c, kh, kw): each row a contiguous run of the padded input.</summary>
    internal readonly struct ShiftedRowsPanels(float* xp, int plane, int wp, int kernelH, int kernelW, int dilationH, int dilationW) : Gemm.IPanelSource
    {
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
                    for (int t = cols; t < nr; t++) d[t] = 0f;
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------
    // Direct path: few input channels, stride 1 (LeNet's C1: 1 → 6 channels and C3: 6 → 16, 5×5).
    // ------------------------------------------------------------------------------------------------

    /// <summary>
    /// At most this many input channels per group take the direct forward path. With few channels im2col + GEMM has a small
    /// M (output channels) and K; measured at n = 32: C1 (1 → 6) 352 → 212 µs, C3 (6 → 16) 369 → 221 µs.
    /// </summary>
    private const int DirectMaxInChannels = 8;

    /// <summary>Stride 1, few input channels per group, not pointwise/depthwise (the caller checks those first), AVX-512.</summary>
    private static bool UseDirect(in Conv2DGeometry g)
        => Vector512.IsHardwareAccelerated && g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups <= DirectMaxInChannels
           && g.InChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

    /// <summary>Direct dW: stride 1, AVX-512, K ≤ 1024 taps (the tap offsets live on the stack).</summary>
    private static bool UseDirectWeightGradient(in Conv2DGeometry g)
        => Vector512.IsHardwareAccelerated && g.StrideH == 1 && g.StrideW == 1 && g.InChannels / g.Groups * g.KernelH * g.KernelW <= 1024;

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
    /// Fills <paramref name="offsets"/>[k] with where tap k = (c, kh, kw) reads in the zero-padded input: c·plane + kh·dh·Wp + kw·dw.
    /// With the output computed on the padded width ("wide" pixel j = oh·Wp + ow), tap k of wide pixel j reads xp[offsets[k] + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapOffsets(in Conv2DGeometry g, int plane, Span<int> offsets)
    {
        int Wp = g.InWidth + 2 * g.PadW, k = 0;
        for (int c = 0; c < g.InChannels / g.Groups; c++)
            for (int kh = 0; kh < g.KernelH; kh++)
                for (int kw = 0; kw < g.KernelW; kw++)
                    offsets[k++] = c * plane + kh * g.DilationH * Wp + kw * g.DilationW;
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

    /// <summary>
    /// Direct weight gradient of one group over the whole batch: dw[o, k] += Σ_n Σ_j dzw[n, o, j] · xp[n, offsets[k] + j], where
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
    private static void DirectWeightGradient(in Conv2DGeometry g, int batch, float* x, float* dz, float* dw)
    {
        int Og = g.OutChannels / g.Groups, K = g.InChannels / g.Groups * g.KernelH * g.KernelW;
        int OH = g.OutHeight, OW = g.OutWidth, Wp = g.InWidth + 2 * g.PadW, P = OH * OW;
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
        int o = 0;
        // Pairs of output channels × 4 taps: 8 accumulators fed by 2 dz loads and 4 (unaligned) input loads.
        for (; o + 2 <= Og; o += 2)
        {
            float* d = dzw + (nint)o * len, dwo = dw + (nint)o * K;
            int k = 0;
            for (; k + 4 <= K; k += 4) WeightGradientPairTaps4(s, d, offsets + k, dwo + k, K);
            for (; k < K; k++)
            {
                WeightGradientTaps<N1>(s, d, offsets + k, dwo + k);
                WeightGradientTaps<N1>(s, d + len, offsets + k, dwo + K + k);
            }
        }
        // A last odd channel: 8 taps per dz load.
        for (; o < Og; o++)
        {
            float* d = dzw + (nint)o * len, dwo = dw + (nint)o * K;
            int k = 0;
            for (; k + 8 <= K; k += 8) WeightGradientTaps<N8>(s, d, offsets + k, dwo + k);
            for (; k + 4 <= K; k += 4) WeightGradientTaps<N4>(s, d, offsets + k, dwo + k);
            for (; k < K; k++) WeightGradientTaps<N1>(s, d, offsets + k, dwo + k);
        }
    }

    /// <summary>Where <see cref="WeightGradientTaps"/> reads: sample n's wide dz row at dz + n·DzStride, its padded input at Xp + n·XpStride.</summary>
    private readonly struct WeightGradientSource(float* dzw, nint dzStride, float* xp, nint xpStride, int batch, int len)
    {
        public readonly float* Dzw = dzw, Xp = xp;
        public readonly nint DzStride = dzStride, XpStride = xpStride;
        public readonly int Batch = batch, Len = len;
    }

    /// <summary>
    /// For output channels o ∈ {0, 1} (dz rows d and d + Len, dw rows dw and dw + K) and taps t &lt; 4:
    /// dw[o·K + t] += Σ_n Σ_{j &lt; len} dzw[n][o][j] · xp[n][offsets[t] + j]. Each input load serves both channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void WeightGradientPairTaps4(in WeightGradientSource s, float* d, int* offsets, float* dw, int K)
    {
        int len = s.Len;
        nint o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        for (int n = 0; n < s.Batch; n++)
        {
            float* dz0 = d + n * s.DzStride, dz1 = dz0 + len, xp = s.Xp + n * s.XpStride;
            for (int j = 0; j < len; j += 16)
            {
                var v = Vector512.Load(dz0 + j); var u = Vector512.Load(dz1 + j);
                float* xj = xp + j;
                var x0 = Vector512.Load(xj + o0); a0 = Vector512.FusedMultiplyAdd(v, x0, a0); b0 = Vector512.FusedMultiplyAdd(u, x0, b0);
                var x1 = Vector512.Load(xj + o1); a1 = Vector512.FusedMultiplyAdd(v, x1, a1); b1 = Vector512.FusedMultiplyAdd(u, x1, b1);
                var x2 = Vector512.Load(xj + o2); a2 = Vector512.FusedMultiplyAdd(v, x2, a2); b2 = Vector512.FusedMultiplyAdd(u, x2, b2);
                var x3 = Vector512.Load(xj + o3); a3 = Vector512.FusedMultiplyAdd(v, x3, a3); b3 = Vector512.FusedMultiplyAdd(u, x3, b3);
            }
        }
        dw[0] += Vector512.Sum(a0); dw[1] += Vector512.Sum(a1); dw[2] += Vector512.Sum(a2); dw[3] += Vector512.Sum(a3);
        dw[K] += Vector512.Sum(b0); dw[K + 1] += Vector512.Sum(b1); dw[K + 2] += Vector512.Sum(b2); dw[K + 3] += Vector512.Sum(b3);
    }

    /// <summary>
    /// dw[t] += Σ_n Σ_{j &lt; len} dzw[n][j] · xp[n][offsets[t] + j] for t &lt; TB.Value (len a multiple of 16), with dzw[n] = d + n·DzStride
    /// and xp[n] = Xp + n·XpStride. The accumulators run across all samples.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void WeightGradientTaps<TB>(in WeightGradientSource s, float* d, int* offsets, float* dw) where TB : struct, IBlockSize
    {
        int nb = TB.Value, len = s.Len;
        nint o0 = offsets[0], o1 = nb > 1 ? offsets[1] : 0, o2 = nb > 2 ? offsets[2] : 0, o3 = nb > 3 ? offsets[3] : 0;
        nint o4 = nb > 4 ? offsets[4] : 0, o5 = nb > 5 ? offsets[5] : 0, o6 = nb > 6 ? offsets[6] : 0, o7 = nb > 7 ? offsets[7] : 0;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default;   // second accumulator for the single-tap case (breaks the FMA dependency chain)
        for (int n = 0; n < s.Batch; n++)
        {
            float* dzw = d + n * s.DzStride, xp = s.Xp + n * s.XpStride;
            if (nb == 1)
            {
                float* x0 = xp + o0;
                int j = 0;
                for (; j + 32 <= len; j += 32)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(dzw + j), Vector512.Load(x0 + j), a0);
                    b0 = Vector512.FusedMultiplyAdd(Vector512.Load(dzw + j + 16), Vector512.Load(x0 + j + 16), b0);
                }
                if (j < len) a0 = Vector512.FusedMultiplyAdd(Vector512.Load(dzw + j), Vector512.Load(x0 + j), a0);
                continue;
            }
            for (int j = 0; j < len; j += 16)
            {
                var v = Vector512.Load(dzw + j);
                float* xj = xp + j;
                a0 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o0), a0);
                if (nb > 1) a1 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o1), a1);
                if (nb > 2) a2 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o2), a2);
                if (nb > 3) a3 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o3), a3);
                if (nb > 4) a4 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o4), a4);
                if (nb > 5) a5 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o5), a5);
                if (nb > 6) a6 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o6), a6);
                if (nb > 7) a7 = Vector512.FusedMultiplyAdd(v, Vector512.Load(xj + o7), a7);
            }
        }
        dw[0] += Vector512.Sum(a0 + b0);
        if (nb > 1) dw[1] += Vector512.Sum(a1);
        if (nb > 2) dw[2] += Vector512.Sum(a2);
        if (nb > 3) dw[3] += Vector512.Sum(a3);
        if (nb > 4) dw[4] += Vector512.Sum(a4);
        if (nb > 5) dw[5] += Vector512.Sum(a5);
        if (nb > 6) dw[6] += Vector512.Sum(a6);
        if (nb > 7) dw[7] += Vector512.Sum(a7);
    }

    // ------------------------------------------------------------------------------------------------
    // im2col / col2im
    // ------------------------------------------------------------------------------------------------

    /// <summary>Feeds the GEMM its B panels straight from the image: panel p holds im2col rows k0..k0+kc for pixels j0 + p·nr ….</summary>
    internal readonly struct Im2ColPanels(Conv2DGeometry g, float* x) : Gemm.IPanelSource
    {
        private readonly Conv2DGeometry _g = g;

        public void Pack(int k0, int kc, int j0, int nc, float* dst, int nr)
        {
            for (int p = 0; p * nr < nc; p++)
            {
                int cols = Math.Min(nr, nc - p * nr);
                float* d = dst + (nint)p * kc * nr;
                Im2Col(_g, x, k0, kc, j0 + p * nr, cols, d, nr);
                if (cols < nr) for (int kk = 0; kk < kc; kk++) new Span<float>(d + (nint)kk * nr + cols, nr - cols).Clear();
            }
        }
    }

    /// <summary>
    /// dst[(k − k0)·ld + (j − j0)] = x[c, ih, iw] (0 in the padding) for k ∈ [k0, k0 + kc), j ∈ [j0, j0 + nc),
    /// where k = (c, kh, kw), j = (oh, ow), ih = oh·sh − ph + kh·dh, iw = ow·sw − pw + kw·dw. Stride-1 rows are block copies.
    /// </summary>
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

    // ------------------------------------------------------------------------------------------------
    // Depthwise (one input channel per group): direct loops.
    // ------------------------------------------------------------------------------------------------

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

    // ------------------------------------------------------------------------------------------------
    // Small vector helpers.
    // ------------------------------------------------------------------------------------------------

    /// <summary>y[0..n) += a·x[0..n).</summary>
    internal static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var av = Vector512.Create(a);
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(av, Vector512.Load(x + i), Vector512.Load(y + i)), y + i);
        }
        var a8 = Vector256.Create(a);
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + a8 * Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>Σ x[i]·y[i] for i &lt; n.</summary>
    internal static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
            s = Vector512.Sum(acc);
        }
        else if (n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Load(x + i) * Vector256.Load(y + i);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>Σ x[i] for i &lt; n.</summary>
    internal static float Sum(float* x, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc += Vector512.Load(x + i);
            s = Vector512.Sum(acc);
        }
        else if (n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Load(x + i);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += x[i];
        return s;
    }
}
