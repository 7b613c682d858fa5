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
/// <item>stride 1 with at most <see cref="DirectMaxInChannels"/> input channels per group (LeNet's C1 and C3), at every vector width: a direct
/// convolution on a zero-padded copy, vectorised over output pixels (<see cref="DirectForward"/>). In backward, every stride-1
/// convolution gets dW by a direct batch-wide correlation (<see cref="DirectWeightGradient"/>), and dx as a stride-1 convolution of
/// dz with the flipped weights (<see cref="InputGradientByConvolution"/>: direct for ≤ 8 input channels per group, Winograd where the transposed convolution qualifies, else the wide GEMM).</item>
/// <item>the same few-channel stride-1 convolutions (one group) on a batch of at least one vector of samples: one sample per
/// vector lane (<see cref="UseSampleLanes"/>, <see cref="SampleLanesForward"/>, <see cref="SampleLanesBackward"/>), forward, dx
/// and dW, the samples after the last whole vector on the direct kernels.</item>
/// <item>3×3, stride 1, at least 16 input and output channels per group on a map big enough (<see cref="UseWinograd"/>): Winograd
/// over the whole batch (<see cref="Winograd"/>), forward and dx: F(4×4, 3×3) for up to 64 channels on maps whose tile rows fill the
/// vectors (<see cref="UseWinograd4"/>: 36 multiplies per 4×4 tile instead of 144), else F(2×2, 3×3) (<see cref="WinogradConvolution"/>:
/// 16 per 2×2 tile instead of 36), each as GEMMs of the transformed weights and input tiles; and dW by F(2×2, 3×3) where the direct
/// dW does not take the layer or it has at least 64 channels each way (<see cref="UseWinogradWeightGradient"/>).</item>
/// <item>otherwise im2col + GEMM: the im2col matrix is never materialised whole for the forward pass; it is generated
/// straight into the GEMM's packed B panels (<see cref="Im2ColPanels"/>), block by block, while it is hot in cache.</item>
/// </list>
/// Column index k of the im2col matrix is (c, kh, kw) flattened as c·KH·KW + kh·KW + kw — the weight's own OIHW order,
/// so W_g (O/G × K) is used as stored. Row j is the output pixel oh·OW + ow.
/// <para>Files: this one chooses the strategy; <c>Conv2DOp.Im2Col.cs</c> (general im2col/col2im + GEMM),
/// <c>Conv2DOp.WideGemm.cs</c> (stride-1 GEMM on the padded width), <c>Conv2DOp.Direct.cs</c> (direct forward and dx), <c>Conv2DOp.SampleLanes.cs</c> (samples in the vector lanes, with <c>…SampleLanesLayout.cs</c>),
/// <c>Conv2DOp.DirectWeightGradient.cs</c> (direct dW), <c>Conv2DOp.Winograd.cs</c> (Winograd F(2×2, 3×3) forward and dx, with <c>…WinogradTransforms.cs</c> and <c>…WinogradWeightGradient.cs</c>; <c>…Winograd4.cs</c> F(4×4, 3×3) and the choice between them), <c>Conv2DOp.Depthwise.cs</c>, <c>Conv2DOp.Padded.cs</c> (the padded
/// input the stride-1 kernels share) and <c>Conv2DOp.Vectors.cs</c> (small vector helpers).</para>
/// </remarks>
public static unsafe partial class Conv2DOp
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
        bool pointwise = IsPointwise(g), depthwise = IsDepthwise(g);
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pb = b) fixed (float* py = y)
        {
            // 3×3 stride 1 with many channels (never pointwise, depthwise or direct): Winograd over the whole batch, per group.
            if (UseWinograd(g, batch))
            {
                Winograd(g, batch, px, pw, pb, py, act, leakySlope, accumulate: false);
                return;
            }
            // The GEMM paths (not depthwise, not direct) pack W once for the whole batch, not once per sample; a single
            // sample on a small map (one block of output pixels) has the GEMM read W's rows in place instead.
            bool gemm = batch > 0 && !depthwise && (pointwise || !UseDirect(g)) && (batch > 1 || !Gemm.ReadsAInPlace(GemmColumns(g), K, false));
            long packedStride = 0;
            float* packed = gemm ? PackWeights(g, pw, Og, K, false, out packedStride) : null;
            // Few channels on a batch: whole vectors of samples, one per lane; the samples after them on the direct kernel.
            int first = UseSampleLanes(g, batch, backward: false) ? SampleLanesForward(g, batch, px, pw, pb, py, act, leakySlope) : 0;
            for (int n = first; n < batch; n++)
            {
                float* xs = px + (nint)n * g.InputLength, ys = py + (nint)n * g.OutputLength;
                if (depthwise) { DepthwiseForward(g, xs, pw, pb, ys, act, leakySlope); continue; }
                for (int grp = 0; grp < G; grp++)
                {
                    float* xg = xs + (nint)grp * Cg * HW, wg = pw + (nint)grp * Og * K, yg = ys + (nint)grp * Og * P;
                    float* bg = pb == null ? null : pb + grp * Og;
                    float* pwg = packed == null ? null : packed + grp * packedStride;
                    if (pointwise)
                    {
                        var src = new Gemm.MatrixPanels(xg, HW);
                        Gemm.MultiplyCore(Og, P, K, wg, K, false, ref src, yg, P, false, bg, null, act, leakySlope, pwg);
                    }
                    else if (UseDirect(g))
                    {
                        DirectForward(g, xg, wg, bg, yg, act, leakySlope, xEnd: px + x.Length);
                    }
                    else if (g.StrideH == 1 && g.StrideW == 1)
                    {
                        ForwardStride1(g, xg, wg, pwg, bg, yg, act, leakySlope);
                    }
                    else
                    {
                        var src = new Im2ColPanels(g, xg);
                        Gemm.MultiplyCore(Og, P, K, wg, K, false, ref src, yg, P, false, bg, null, act, leakySlope, pwg);
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
        bool pointwise = IsPointwise(g), depthwise = IsDepthwise(g);
        int pb = Math.Min(P, Math.Max(Gemm.MicroColumns, ColumnBlockBytes / 4 / K / Gemm.MicroColumns * Gemm.MicroColumns));   // pixels per im2col block (whole GEMM panels)
        // Stride 1 (not pointwise / depthwise): dW for the whole batch by direct vectorised correlation, one group at a time;
        // the sample loop below then only does db and, if wanted, dx (GEMM + col2im).
        // 3×3 stride 1 with many channels: dW by Winograd (also over the whole batch, before the loop) where it beats the direct
        // dW or the direct dW does not take the layer (UseWinogradWeightGradient).
        bool winogradW = !pointwise && !depthwise && UseWinogradWeightGradient(g, batch);
        bool directW = !pointwise && !depthwise && !winogradW && UseDirectWeightGradient(g);
        bool weightsBeforeLoop = directW || winogradW;
        // Stride 1: dx as a stride-1 convolution of dz with the flipped, transposed weights (see InputGradientByConvolution).
        bool convDx = !pointwise && !depthwise && !dx.IsEmpty && UseInputGradientByConvolution(g);
        // That convolution by Winograd when it qualifies (3×3, many channels): over the whole batch, per group, before the sample loop.
        var transposed = InputGradientGeometry(g);
        bool winogradDx = convDx && UseWinograd(transposed, batch);
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pdz = dz) fixed (float* pdx = dx) fixed (float* pdw = dw) fixed (float* pdb = db)
        {
            // Few channels on a batch: dW and dx of whole vectors of samples, one per lane; the direct kernels take the rest.
            bool lanes = directW && UseSampleLanes(g, batch, backward: true);
            float* wFlipped = convDx || lanes ? FlipWeights(g, pw) : null;
            int first = lanes ? SampleLanesBackward(g, transposed, batch, px, wFlipped, pdz, pdx, pdw) : 0;
            if (directW && batch > first)
                for (int grp = 0; grp < G; grp++)
                    DirectWeightGradient(g, batch - first, px + (nint)first * g.InputLength + (nint)grp * Cg * HW,
                        pdz + (nint)first * g.OutputLength + (nint)grp * Og * P, pdw + (nint)grp * Og * K);
            if (winogradW)
                for (int grp = 0; grp < G; grp++)
                    WinogradWeightGradient(g, batch, px + (nint)grp * Cg * HW, g.InputLength, pdz + (nint)grp * Og * P, g.OutputLength, pdw + (nint)grp * Og * K);
            if (winogradDx) Winograd(transposed, batch, pdz, wFlipped, null, pdx, Act.None, 0f, accumulate: true);
            // dx's GEMM operand, packed once for the batch: the flipped weights (Cg × Og·KH·KW per group), or pointwise W_gᵀ.
            long packedStride = 0;
            float* packedDx = batch == 0 || dx.IsEmpty || depthwise ? null
                : pointwise ? PackWeights(g, pw, K, Og, true, out packedStride)
                : convDx && !winogradDx && !UseDirectInputGradient(g) ? PackWeights(g, wFlipped, Cg, Og * g.KernelH * g.KernelW, false, out packedStride) : null;
            for (int n = 0; n < batch; n++)
            {
                float* xs = px + (nint)n * g.InputLength, dzs = pdz + (nint)n * g.OutputLength;
                float* dxs = pdx == null ? null : pdx + (nint)n * g.InputLength;
                if (pdb != null)
                    for (int o = 0; o < g.OutChannels; o++) pdb[o] += Sum(dzs + (nint)o * P, P);
                if (n < first) continue;   // dW and dx done on the sample lanes
                if (depthwise) { DepthwiseBackward(g, xs, pw, dzs, dxs, pdw); continue; }
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
                            Gemm.MultiplyCore(K, P, Og, wg, K, true, ref src, dxg, HW, true, null, null, Act.None, 0f, packedDx + grp * packedStride);
                        }
                        continue;
                    }
                    if (convDx && !winogradDx)
                        InputGradientByConvolution(g, dzg, wFlipped + (nint)grp * Cg * Og * g.KernelH * g.KernelW,
                            packedDx == null ? null : packedDx + grp * packedStride, dxg);
                    if (weightsBeforeLoop && (convDx || dxg == null)) continue;   // dW done above; nothing left for this group
                    float* col = Scratch.Get(Scratch.Columns, (long)K * pb);
                    for (int j0 = 0; j0 < P; j0 += pb)
                    {
                        int nc = Math.Min(pb, P - j0);
                        if (!weightsBeforeLoop)
                        {
                            // dW_g += dz_g[:, block] · col[:, block]ᵀ
                            Im2Col(g, xg, 0, K, j0, nc, col, nc);
                            var colT = new Gemm.TransposedMatrixPanels(col, nc);
                            Gemm.MultiplyCore(Og, K, nc, dzg + j0, P, false, ref colT, dwg, K, true, null, null, Act.None, 0f);
                        }
                        if (dxg != null && !convDx)
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

    /// <summary>
    /// Every group's GEMM operand A (m × k: W_g as stored, or with <paramref name="transpose"/> W_gᵀ, each group w + grp·(weights / G))
    /// packed whole (<see cref="Gemm.PackWhole"/>) into scratch, group grp at the result + grp·<paramref name="stride"/>.
    /// </summary>
    private static float* PackWeights(in Conv2DGeometry g, float* w, int m, int k, bool transpose, out long stride)
    {
        int G = g.Groups, groupLength = g.WeightLength / G;
        stride = Gemm.PackedLength(m, k);
        float* dst = Scratch.Get(Scratch.PackedWeights, stride * G);
        for (int grp = 0; grp < G; grp++)
            Gemm.PackWhole(m, k, w + (nint)grp * groupLength, transpose ? m : k, transpose, dst + grp * stride);
        return dst;
    }

    /// <summary>Columns of the forward GEMM per sample and group: the output pixels, on the padded width for the stride-1
    /// path (<see cref="ForwardStride1"/>).</summary>
    private static int GemmColumns(in Conv2DGeometry g)
        => !IsPointwise(g) && g.StrideH == 1 && g.StrideW == 1 ? g.OutHeight * g.PaddedWidth : g.OutHeight * g.OutWidth;

    private static bool IsPointwise(in Conv2DGeometry g)
        => g.KernelH == 1 && g.KernelW == 1 && g.StrideH == 1 && g.StrideW == 1 && g.Unpadded;

    /// <summary>One input channel per group, several groups, not pointwise: the depthwise kernels, not the GEMM or direct paths.</summary>
    private static bool IsDepthwise(in Conv2DGeometry g)
        => g.InChannels == g.Groups && g.Groups > 1 && !IsPointwise(g);
}
