using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Conv2D;

public class Conv2DOpTests
{
    private const float Slope = 0.1f;

    /// <summary>One conv case: geometry (C,H,W,O, KH,KW, SH,SW, PH,PW, DH,DW, G), batch, bias, fused activation.</summary>
    public sealed record Case(Conv2DGeometry G, int Batch, bool Bias, Act Act);

    public static readonly Dictionary<string, Case> Cases = new()
    {
        ["3x3 s1 p1 relu"] = new(new(3, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1), 2, true, Act.ReLU),
        ["3x3 s2 p1 odd 9x11 no-bias"] = new(new(3, 9, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1, 1), 2, false, Act.None),
        ["5x5 s1 p2 tanh"] = new(new(2, 7, 7, 3, 5, 5, 1, 1, 2, 2, 1, 1, 1), 2, true, Act.Tanh),
        ["5x5 s2 p0 9x11 sigmoid"] = new(new(2, 9, 11, 3, 5, 5, 2, 2, 0, 0, 1, 1, 1), 1, true, Act.Sigmoid),
        ["1x1 pointwise sigmoid"] = new(new(5, 7, 7, 6, 1, 1, 1, 1, 0, 0, 1, 1, 1), 2, true, Act.Sigmoid),
        ["1x1 s2 leaky"] = new(new(4, 9, 11, 3, 1, 1, 2, 2, 0, 0, 1, 1, 1), 2, true, Act.LeakyReLU),
        ["1x1 p1 softplus"] = new(new(3, 7, 7, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, true, Act.Softplus),
        ["3x3 dilation2 p2 softplus"] = new(new(3, 9, 11, 4, 3, 3, 1, 1, 2, 2, 2, 2, 1), 2, true, Act.Softplus),
        ["3x3 dilation2 s2 p0"] = new(new(2, 9, 11, 3, 3, 3, 2, 2, 0, 0, 2, 2, 1), 2, true, Act.None),
        ["3x5 nonsquare s(1,2) p(1,2) relu"] = new(new(2, 9, 11, 3, 3, 5, 1, 2, 1, 2, 1, 1, 1), 2, true, Act.ReLU),
        ["5x3 nonsquare s(2,1) p(2,0) dil(1,2)"] = new(new(2, 9, 11, 3, 5, 3, 2, 1, 2, 0, 1, 2, 1), 1, false, Act.Tanh),
        ["groups2 3x3 p1"] = new(new(4, 7, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2), 2, true, Act.None),
        ["groups2 3x3 s2 dil2 p2 leaky"] = new(new(4, 9, 11, 4, 3, 3, 2, 2, 2, 2, 2, 2, 2), 2, true, Act.LeakyReLU),
        ["depthwise 3x3 p1 relu"] = new(new(4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4), 2, true, Act.ReLU),
        ["depthwise x2 3x3 s2 p1 tanh"] = new(new(3, 9, 11, 6, 3, 3, 2, 2, 1, 1, 1, 1, 3), 2, true, Act.Tanh),
        ["depthwise 5x5 dil2 p4 no-bias"] = new(new(3, 9, 11, 3, 5, 5, 1, 1, 4, 4, 2, 2, 3), 1, false, Act.None),
        ["2x2 s2 step"] = new(new(3, 8, 8, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1), 2, true, Act.Step),
        ["LeNet C1 1x28x28 5x5 p2"] = new(new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1), 2, true, Act.ReLU),
        ["LeNet C3 6x14x14 5x5"] = new(new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1), 1, true, Act.ReLU),
        ["19 outputs, K=432 > one k block"] = new(new(48, 6, 6, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1), 1, true, Act.None),
        ["K=450 stride 2 (im2col path, k blocks)"] = new(new(18, 9, 11, 10, 5, 5, 2, 2, 2, 2, 1, 1, 1), 1, true, Act.Sigmoid),
        ["wide 1x70 row (edge panels)"] = new(new(2, 3, 70, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1), 2, true, Act.None),
        // Direct path (stride 1, ≤ 4 input channels per group): channel blocks of ≤ 6, taps in blocks of 8 / 4 / 1.
        ["direct 4 in 9 out 7x7 p3 wide leaky"] = new(new(4, 5, 40, 9, 7, 7, 1, 1, 3, 3, 1, 1, 1), 2, true, Act.LeakyReLU),
        ["direct 3 in 13 out 3x3 p0 no-bias"] = new(new(3, 6, 9, 13, 3, 3, 1, 1, 0, 0, 1, 1, 1), 3, false, Act.None),
        ["direct 8 in 5 out 5x3 dil(1,2) p(1,0)"] = new(new(8, 7, 12, 5, 5, 3, 1, 1, 1, 0, 1, 2, 1), 2, true, Act.ReLU),
        ["direct LeNet C1 batch 3 p(2,1) tanh"] = new(new(1, 28, 28, 6, 5, 5, 1, 1, 2, 1, 1, 1, 1), 3, true, Act.Tanh),
        // Stride-1 dx as a convolution of dz on the wide GEMM (more than 8 input channels per group): full padding (the transposed
        // convolution is unpadded and adds in place), dilation, groups, channel counts off the vector width.
        ["wide-gemm dx 12 in 7 out 3x3 p2 (dx conv unpadded)"] = new(new(12, 6, 7, 7, 3, 3, 1, 1, 2, 2, 1, 1, 1), 2, true, Act.None),
        ["wide-gemm dx 10 in 13 out 5x5 p0 dil(2,1)"] = new(new(10, 11, 9, 13, 5, 5, 1, 1, 0, 0, 2, 1, 1), 2, true, Act.Tanh),
        ["wide-gemm dx groups2 20 in 6 out 3x3 p1"] = new(new(20, 6, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1, 2), 2, true, Act.ReLU),
        // Weights packed once per call for the whole batch (forward and the wide-GEMM dx), 7×7 maps (63 wide columns: an edge
        // panel of one vector at 512 bits), and two k blocks (K = 450) with 5×9 maps (55 wide columns).
        ["packed weights batch 3 20 in 19 out 3x3 p1 7x7 relu"] = new(new(20, 7, 7, 19, 3, 3, 1, 1, 1, 1, 1, 1, 1), 3, true, Act.ReLU),
        ["packed weights batch 2 50 in 21 out 3x3 p1 5x9 two k blocks"] = new(new(50, 5, 9, 21, 3, 3, 1, 1, 1, 1, 1, 1, 1), 2, false, Act.None),
        // Per-side (ONNX-style) padding, top/left from the positional PadH/PadW, bottom/right set apart: every strategy.
        ["per-side direct 3x3 t0 l1 b2 r0"] = new(new(2, 7, 9, 5, 3, 3, 1, 1, 0, 1, 1, 1, 1) { PadBottom = 2, PadRight = 0 }, 2, true, Act.ReLU),
        ["per-side direct dil2 t5 l0 b1 r4 (top pad beyond d(K-1): dx falls back)"] = new(new(3, 8, 9, 4, 3, 3, 1, 1, 5, 0, 2, 2, 1) { PadBottom = 1, PadRight = 4 }, 2, false, Act.Tanh),
        ["per-side wide gemm 48 in t1 l0 b0 r2"] = new(new(48, 6, 7, 11, 3, 3, 1, 1, 1, 0, 1, 1, 1) { PadBottom = 0, PadRight = 2 }, 1, true, Act.None),
        ["per-side 9 in 3x3 t3 l1 b0 r1 (top pad beyond d(K-1): dx falls back)"] = new(new(9, 6, 7, 5, 3, 3, 1, 1, 3, 1, 1, 1, 1) { PadBottom = 0, PadRight = 1 }, 2, false, Act.None),
        ["per-side im2col s2 t0 l2 b1 r0"] = new(new(18, 9, 11, 10, 5, 5, 2, 2, 0, 2, 1, 1, 1) { PadBottom = 1, PadRight = 0 }, 1, true, Act.Sigmoid),
        ["per-side depthwise s2 t1 l0 b2 r1"] = new(new(4, 9, 10, 4, 3, 3, 2, 2, 1, 0, 1, 1, 4) { PadBottom = 2, PadRight = 1 }, 2, true, Act.ReLU),
        ["per-side groups2 t2 l1 b0 r0"] = new(new(4, 7, 8, 6, 3, 3, 1, 1, 2, 1, 1, 1, 2) { PadBottom = 0, PadRight = 0 }, 2, true, Act.LeakyReLU),
        // Winograd F(2×2, 3×3) (3×3 stride 1, ≥ 16 channels each way, ≥ 196 output tiles over the batch), forward and dx (the
        // transposed convolution qualifies too; dW stays direct for these channel counts): odd output sizes (a half tile at the bottom and right), tiles across samples
        // in one block, no padding (dx then pads 2), per-side padding, groups, and a 1-row map.
        ["winograd 16 in 17 out 3x3 p1 19x21 relu"] = new(new(16, 19, 21, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1), 2, true, Act.ReLU),
        ["winograd 18 in 16 out 3x3 p0 17x26 tanh"] = new(new(18, 17, 26, 16, 3, 3, 1, 1, 0, 0, 1, 1, 1), 3, true, Act.Tanh),
        ["winograd per-side t0 l1 b2 r0 20 in 24 out 16x15"] = new(new(20, 16, 15, 24, 3, 3, 1, 1, 0, 1, 1, 1, 1) { PadBottom = 2, PadRight = 0 }, 2, false, Act.None),
        ["winograd groups2 32 in 34 out 3x3 p1 14x14 leaky"] = new(new(32, 14, 14, 34, 3, 3, 1, 1, 1, 1, 1, 1, 2), 4, true, Act.LeakyReLU),
        ["winograd 1-row map 16 in 16 out 3x3 p1 1x400"] = new(new(16, 1, 400, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), 1, true, Act.None),
        // Narrow maps (tile rows under a third of a vector: tiles numbered across rows, one dropped tile per row): 7×7 (4 tiles a
        // row) over 13 samples and a 7×9 dW case (5 tiles a row), narrow at 512 bits; 4×4 (2 tiles a row) over 50 samples,
        // narrow at 256 bits as well (the AVX2 child run).
        ["winograd narrow 7x7 16 in 20 out 3x3 p1 batch 13"] = new(new(16, 7, 7, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1), 13, true, Act.ReLU),
        ["winograd narrow 4x4 16 in 16 out 3x3 p1 batch 50"] = new(new(16, 4, 4, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), 50, true, Act.Tanh),
        ["winograd narrow dW 120 in 16 out 3x3 p1 7x9 batch 10"] = new(new(120, 7, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), 10, false, Act.None),
        // More input channels than the direct dW takes (Cg·9 > 1024): dW by Winograd too, tile rows of 3 samples in one block.
        ["winograd dW 120 in 16 out 3x3 p1 13x19"] = new(new(120, 13, 19, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1), 3, true, Act.ReLU),
        // At least 64 channels each way: dW by Winograd although the direct dW takes the layer (UseWinogradWeightGradient).
        ["winograd dW 64 in 64 out 3x3 p1 10x12 batch 7"] = new(new(64, 10, 12, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1), 7, true, Act.None),
        // Winograd F(4×4, 3×3) (UseWinograd4: at most 64 channels each way, tile rows that fill ¾ of the transforms' vectors, so
        // 12–16 tiles a row at 512 bits), forward and dx: a part tile at the bottom (2 rows) and right (3 columns), per-side
        // padding, groups, and 64 channels summed by the forward (and by dx), at the limit of F(4×4, 3×3)'s float32 error.
        ["winograd4 16 in 17 out 3x3 p1 22x47 relu"] = new(new(16, 22, 47, 17, 3, 3, 1, 1, 1, 1, 1, 1, 1), 2, true, Act.ReLU),
        ["winograd4 per-side t0 l1 b2 r0 20 in 24 out 23x50"] = new(new(20, 23, 50, 24, 3, 3, 1, 1, 0, 1, 1, 1, 1) { PadBottom = 2, PadRight = 0 }, 2, false, Act.None),
        ["winograd4 groups2 32 in 34 out 3x3 p1 25x46 leaky"] = new(new(32, 25, 46, 34, 3, 3, 1, 1, 1, 1, 1, 1, 2), 2, true, Act.LeakyReLU),
        ["winograd4 64 in 24 out 3x3 p0 14x50 batch 3 tanh"] = new(new(64, 14, 50, 24, 3, 3, 1, 1, 0, 0, 1, 1, 1), 3, true, Act.Tanh),
        ["winograd4 24 in 64 out 3x3 p1 12x46 batch 3 sigmoid"] = new(new(24, 12, 46, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1), 3, false, Act.Sigmoid),
        // Sample lanes (stride 1, few channels, one group, a batch of at least one vector of samples: 16 / 8 / 4 at 512 / 256 /
        // 128 bits): whole vectors of samples on the lanes, the samples after them on the direct kernels (19 = 16 + 3).
        ["sample lanes LeNet C3 batch 19 relu"] = new(new(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1), 19, true, Act.ReLU),
        ["sample lanes LeNet C1 p2 batch 17 tanh"] = new(new(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1), 17, true, Act.Tanh),
        ["sample lanes 3 in 7 out 3x5 dil(2,1) t1 l2 b3 r0 batch 16 leaky"] = new(new(3, 9, 11, 7, 3, 5, 1, 1, 1, 2, 2, 1, 1) { PadBottom = 3, PadRight = 0 }, 16, false, Act.LeakyReLU),
        ["sample lanes 8 in 3 out 1x1 p1 batch 20 sigmoid (not pointwise)"] = new(new(8, 5, 6, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 20, true, Act.Sigmoid),
        ["sample lanes top pad beyond d(K-1) batch 16: forward only, dx falls back"] = new(new(3, 8, 9, 4, 3, 3, 1, 1, 5, 0, 2, 2, 1) { PadBottom = 1, PadRight = 4 }, 16, true, Act.None),
        ["per-side 1x1 t0 l0 b1 r1 (not pointwise)"] = new(new(5, 6, 7, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1) { PadBottom = 1, PadRight = 1 }, 2, true, Act.None),
    };

    public static TheoryData<string> CaseNames() => new(Cases.Keys);

    private static (float[] x, float[] w, float[] b) Data(Case c)
    {
        var g = c.G;
        return (TestData.Uniform(1, c.Batch * g.InputLength), TestData.Uniform(2, g.WeightLength, -0.5f, 0.5f),
            c.Bias ? TestData.Uniform(3, g.OutChannels) : []);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_matches_the_double_reference(string name)
    {
        var c = Cases[name]; var g = c.G;
        var (x, w, b) = Data(c);
        var y = new float[c.Batch * g.OutputLength];
        Conv2DOp.Forward(g, c.Batch, x, w, b, y, c.Act, Slope);

        var z = ReferenceOps.Conv2DForward(g, c.Batch, TestData.ToDouble(x), TestData.ToDouble(w), c.Bias ? TestData.ToDouble(b) : null);
        Parity.AssertClose(name, y, ReferenceOps.Activate(c.Act, z, Slope));
    }

    /// <summary>The output passes store whole vectors that may run past a row into the rows after it (a later store
    /// rewrites them): nothing may land outside y, which in a network is beside another sample's output or another thread's.</summary>
    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forward_writes_nothing_outside_y(string name)
    {
        var c = Cases[name]; var g = c.G;
        var (x, w, b) = Data(c);
        const int Guard = 64;
        const float Sentinel = 12345f;
        int n = c.Batch * g.OutputLength;
        var buffer = new float[Guard + n + Guard];
        Array.Fill(buffer, Sentinel);
        Conv2DOp.Forward(g, c.Batch, x, w, b, buffer.AsSpan(Guard, n), c.Act, Slope);

        int before = Array.FindIndex(buffer, 0, Guard, v => v != Sentinel);
        int after = Array.FindIndex(buffer, Guard + n, Guard, v => v != Sentinel);
        Assert.True(before < 0 && after < 0,
            $"{name}: Forward wrote outside its {n}-float y (first changed guard float: {(before >= 0 ? $"{Guard - before} before y" : $"{after - Guard - n} past its end")}).");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Backward_matches_the_double_reference_and_accumulates(string name)
    {
        var c = Cases[name]; var g = c.G;
        var (x, w, _) = Data(c);
        var dz = TestData.Uniform(4, c.Batch * g.OutputLength);
        // Start from non-zero gradients: backward must add (+=), not assign.
        var dx = TestData.Uniform(5, x.Length); var dw = TestData.Uniform(6, w.Length); var db = TestData.Uniform(7, g.OutChannels);
        var (dx0, dw0, db0) = (TestData.ToDouble(dx), TestData.ToDouble(dw), TestData.ToDouble(db));

        Conv2DOp.Backward(g, c.Batch, x, w, dz, dx, dw, c.Bias ? db : []);

        var r = ReferenceOps.Conv2DBackward(g, c.Batch, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dz));
        Parity.AssertClose(name + " dx", dx, Add(dx0, r.dx));
        Parity.AssertClose(name + " dw", dw, Add(dw0, r.dw));
        Parity.AssertClose(name + " db", db, c.Bias ? Add(db0, r.db) : db0);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Backward_with_fused_activation_matches_finite_differences(string name)
    {
        var c = Cases[name]; var g = c.G;
        var (x, w, b) = Data(c);
        var r = TestData.Uniform(8, c.Batch * g.OutputLength);

        // Analytic, all float32 fast ops: y = act(conv), dz = r ⊙ act'(y), then conv backward.
        var y = new float[r.Length];
        Conv2DOp.Forward(g, c.Batch, x, w, b, y, c.Act, Slope);
        var dz = (float[])r.Clone();
        ActivationOp.ApplyDerivativeInPlace(c.Act, Slope, y, dz);
        var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[g.OutChannels];
        Conv2DOp.Backward(g, c.Batch, x, w, dz, dx, dw, c.Bias ? db : []);

        // Numeric, in double on the reference: L = Σ r ⊙ act(conv(x, w) + b).
        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), rd = TestData.ToDouble(r);
        double Loss() => FiniteDifferences.Dot(rd, ReferenceOps.Activate(c.Act, ReferenceOps.Conv2DForward(g, c.Batch, xd, wd, c.Bias ? bd : null), Slope));
        double h = FiniteDifferences.StepFor(c.Act);
        var xi = FiniteDifferences.Sample(9, xd.Length, 60);
        var wi = FiniteDifferences.Sample(10, wd.Length, 60);
        FiniteDifferences.AssertClose(name + " dx", dx, FiniteDifferences.Gradient(Loss, xd, xi, h), xi);
        FiniteDifferences.AssertClose(name + " dw", dw, FiniteDifferences.Gradient(Loss, wd, wi, h), wi);
        if (c.Bias)
        {
            var bi = Enumerable.Range(0, bd.Length).ToArray();
            FiniteDifferences.AssertClose(name + " db", db, FiniteDifferences.Gradient(Loss, bd, bi, h), bi);
        }
    }

    /// <summary>Per-side padding is ONNX's pads: the same as PyTorch's F.pad (left, right, top, bottom) followed by an unpadded
    /// conv2d. Pre-activation output and dL/dx, dL/dW, dL/db of Σ r·z against PyTorch 1.13 autograd, for every per-side case.</summary>
    [TorchFact]
    public void Per_side_padding_matches_pytorch_pad_then_conv2d()
    {
        var names = Cases.Keys.Where(k => k.StartsWith("per-side", StringComparison.Ordinal)).ToArray();
        var script = new System.Text.StringBuilder("import torch.nn.functional as F\n");
        foreach (string name in names)
        {
            var c = Cases[name]; var g = c.G;
            var (x, w, b) = Data(c);
            var r = TestData.Uniform(4, c.Batch * g.OutputLength);
            script.AppendLine($"x = torch.tensor({ReferenceGraphOps.PyList(x)}).reshape({c.Batch}, {g.InChannels}, {g.InHeight}, {g.InWidth}).requires_grad_()");
            script.AppendLine($"w = torch.tensor({ReferenceGraphOps.PyList(w)}).reshape({g.OutChannels}, {g.InChannels / g.Groups}, {g.KernelH}, {g.KernelW}).requires_grad_()");
            script.AppendLine(c.Bias ? $"b = torch.tensor({ReferenceGraphOps.PyList(b)}).requires_grad_()" : "b = None");
            script.AppendLine($"z = F.conv2d(F.pad(x, ({g.PadW}, {g.PadRight}, {g.PadH}, {g.PadBottom})), w, b, ({g.StrideH}, {g.StrideW}), 0, ({g.DilationH}, {g.DilationW}), {g.Groups})");
            script.AppendLine($"(z.flatten() * torch.tensor({ReferenceGraphOps.PyList(r)})).sum().backward()");
            script.AppendLine("for t in (z, x.grad, w.grad, b.grad if b is not None else torch.zeros(0)): print(' '.join(repr(float(v)) for v in t.flatten()) or '-')");
        }
        var lines = TorchPython.Run(script.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4 * names.Length, lines.Length);
        for (int i = 0; i < names.Length; i++)
        {
            var c = Cases[names[i]]; var g = c.G;
            var (x, w, b) = Data(c);
            var r = TestData.Uniform(4, c.Batch * g.OutputLength);
            var z = new float[c.Batch * g.OutputLength];
            Conv2DOp.Forward(g, c.Batch, x, w, b, z, Act.None, 0f);
            var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[g.OutChannels];
            Conv2DOp.Backward(g, c.Batch, x, w, r, dx, dw, c.Bias ? db : []);
            double[] Torch(int k) => lines[4 * i + k] == "-" ? [] : TestData.ToDouble(ReferenceGraphOps.ParseLine(lines[4 * i + k]));
            Parity.AssertClose(names[i] + " z", z, Torch(0));
            Parity.AssertClose(names[i] + " dx", dx, Torch(1));
            Parity.AssertClose(names[i] + " dw", dw, Torch(2));
            if (c.Bias) Parity.AssertClose(names[i] + " db", db, Torch(3));
        }
    }

    [Theory]
    [InlineData("direct 3 in 13 out 3x3 p0 no-bias", true)]
    [InlineData("direct LeNet C1 batch 3 p(2,1) tanh", true)]
    [InlineData("3x3 s1 p1 relu", true)]
    [InlineData("per-side direct 3x3 t0 l1 b2 r0", true)]
    [InlineData("direct 3 in 13 out 3x3 p0 no-bias", false)]
    [InlineData("direct LeNet C1 batch 3 p(2,1) tanh", false)]
    [InlineData("3x3 s1 p1 relu", false)]
    public void Direct_weight_gradient_in_one_sample_chunks_or_blocks_matches_the_reference(string name, bool chunks)
    {
        // Big convolutions stream the batch through the direct dW a few samples at a time (to stay in cache), and within a
        // chunk each group of output channels takes the samples in L1-sized blocks (the accumulators wait in scratch between
        // blocks); force one-sample chunks, or one-sample blocks in one chunk, so that either loop runs on a small case.
        var c = Cases[name]; var g = c.G;
        var (x, w, _) = Data(c);
        var dz = TestData.Uniform(4, c.Batch * g.OutputLength);
        var dw = TestData.Uniform(6, w.Length); var db = new float[g.OutChannels];
        var dw0 = TestData.ToDouble(dw);
        if (chunks) Conv2DOp.t_weightGradientChunkBytes = 1; else Conv2DOp.t_weightGradientBlockBytes = 1;
        try { Conv2DOp.Backward(g, c.Batch, x, w, dz, [], dw, db); }
        finally { Conv2DOp.t_weightGradientChunkBytes = 0; Conv2DOp.t_weightGradientBlockBytes = 0; }
        var r = ReferenceOps.Conv2DBackward(g, c.Batch, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dz));
        Parity.AssertClose(name + " dw", dw, Add(dw0, r.dw));
    }

    // Batch-1 shapes of the classic networks, scaled down but above the GEMM's split threshold: a 3×3 on the padded width
    // (split by columns), a stride-2 3×3 through im2col, a 1×1 on a 7×7 map (split by rows) and a 3×3 on 7×7 whose
    // weights are packed by both threads, and 3×3s by Winograd: 64 → 64 on 56×56 by F(4×4, 3×3) (14 tile rows in two blocks of
    // 1.5 MiB, one per thread; dW by F(2×2, 3×3), its 16 products split by thread) and 128 → 32 on 28×28 (F(2×2, 3×3), 14 tile
    // rows in two blocks; dW too).
    [Theory]
    [InlineData(64, 20, 64, 3, 1, 1)]
    [InlineData(64, 28, 128, 3, 2, 1)]
    [InlineData(256, 7, 512, 1, 1, 0)]
    [InlineData(256, 7, 256, 3, 1, 1)]
    [InlineData(64, 56, 64, 3, 1, 1)]
    [InlineData(128, 28, 32, 3, 1, 1)]
    public void A_batch_1_convolution_split_over_lent_threads_is_bit_identical_to_one_thread(int c, int size, int o, int k, int stride, int pad)
    {
        var g = Conv2DGeometry.Square(c, size, size, o, k, stride, pad);
        var x = TestData.Uniform(1, g.InputLength); var w = TestData.Uniform(2, g.WeightLength); var b = TestData.Uniform(3, o);
        var dz = TestData.Uniform(4, g.OutputLength);
        (float[] y, float[] dx, float[] dw, float[] db) Pass(WorkerPool? pool)
        {
            var r = (y: new float[g.OutputLength], dx: new float[g.InputLength], dw: new float[g.WeightLength], db: new float[o]);
            void Both()
            {
                Conv2DOp.Forward(g, 1, x, w, b, r.y, Act.ReLU);
                Conv2DOp.Backward(g, 1, x, w, dz, r.dx, r.dw, r.db);
            }
            if (pool is null) Both(); else pool.Run(1, _ => Both(), threads: 2);
            return r;
        }
        using var pool = new WorkerPool(2);
        var serial = Pass(null);
        var split = Pass(pool);
        Assert.Equal(serial.y, split.y);
        Assert.Equal(serial.dx, split.dx);
        Assert.Equal(serial.dw, split.dw);
        Assert.Equal(serial.db, split.db);
        var z = ReferenceOps.Conv2DForward(g, 1, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b));
        Parity.AssertClose("y", split.y, ReferenceOps.Activate(Act.ReLU, z, Slope));
    }

    // A single sample on a small map reads the weights in place (Gemm.ReadsAInPlace, AVX-512); a batch packs them once for
    // all samples. Both sum every output in the same order, so sample 0 of a batch of 2 is the batch of 1 bit for bit:
    // a 3×3 on the padded width, a 1×1 (the weights are the GEMM's A as stored), a stride-2 3×3 through im2col, and
    // output channels that leave a short micro-panel of rows.
    [Theory]
    [InlineData(96, 7, 128, 3, 1, 1)]
    [InlineData(200, 7, 100, 1, 1, 0)]
    [InlineData(64, 13, 36, 3, 2, 1)]
    [InlineData(40, 14, 21, 3, 1, 1)]
    public void A_batch_1_convolution_reading_its_weights_in_place_matches_the_packed_batch(int c, int size, int o, int k, int stride, int pad)
    {
        var g = Conv2DGeometry.Square(c, size, size, o, k, stride, pad);
        var x = TestData.Uniform(1, 2 * g.InputLength); var w = TestData.Uniform(2, g.WeightLength); var b = TestData.Uniform(3, o);
        var one = new float[g.OutputLength];
        var two = new float[2 * g.OutputLength];
        Conv2DOp.Forward(g, 1, x.AsSpan(0, g.InputLength), w, b, one, Act.LeakyReLU, Slope);
        Conv2DOp.Forward(g, 2, x, w, b, two, Act.LeakyReLU, Slope);
        Assert.Equal(two.AsSpan(0, g.OutputLength).ToArray(), one);
        var z = ReferenceOps.Conv2DForward(g, 1, TestData.ToDouble(x.AsSpan(0, g.InputLength).ToArray()), TestData.ToDouble(w), TestData.ToDouble(b));
        Parity.AssertClose("y", one, ReferenceOps.Activate(Act.LeakyReLU, z, Slope));
    }

    [Fact]
    public void Empty_dx_skips_the_input_gradient_and_still_computes_dw()
    {
        var c = Cases["3x3 s1 p1 relu"]; var g = c.G;
        var (x, w, _) = Data(c);
        var dz = TestData.Uniform(4, c.Batch * g.OutputLength);
        var dw = new float[w.Length]; var db = new float[g.OutChannels];
        Conv2DOp.Backward(g, c.Batch, x, w, dz, [], dw, db);
        var r = ReferenceOps.Conv2DBackward(g, c.Batch, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dz));
        Parity.AssertClose("dw", dw, r.dw);
        Parity.AssertClose("db", db, r.db);
    }

    [Theory]
    [InlineData(28, 28, 5, 1, 2, 1, 28)]
    [InlineData(14, 14, 5, 1, 0, 1, 10)]
    [InlineData(56, 56, 3, 1, 1, 1, 56)]
    [InlineData(9, 11, 3, 2, 1, 1, 5)]
    [InlineData(9, 11, 3, 1, 2, 2, 9)]
    [InlineData(224, 224, 11, 4, 2, 1, 55)]   // AlexNet conv1
    public void Geometry_uses_the_pytorch_output_formula(int h, int w, int k, int s, int p, int d, int expectedOh)
    {
        var g = Conv2DGeometry.Square(3, h, w, 8, k, s, p, d);
        Assert.Equal(expectedOh, g.OutHeight);
        Assert.Equal((w + 2 * p - d * (k - 1) - 1) / s + 1, g.OutWidth);
        Assert.Equal(3 * h * w, g.InputLength);
        Assert.Equal(8 * g.OutHeight * g.OutWidth, g.OutputLength);
        Assert.Equal(8 * 3 * k * k, g.WeightLength);
    }

    [Fact]
    public void Wrong_lengths_and_bad_geometry_throw_argument_exceptions_that_name_the_op_and_shapes()
    {
        var g = Conv2DGeometry.Square(3, 7, 7, 4, 3, 1, 1);
        var x = new float[2 * g.InputLength]; var w = new float[g.WeightLength]; var y = new float[2 * g.OutputLength];
        var e = Assert.Throws<ArgumentException>(() => Conv2DOp.Forward(g, 2, x.AsSpan(1), w, [], y));
        Assert.Contains("Conv2DOp.Forward", e.Message);
        Assert.Contains("2x3x7x7", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DOp.Forward(g, 2, x, w, new float[3], y));
        Assert.Contains("bias", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DOp.Backward(g, 2, x, w, y, new float[5], new float[w.Length], []));
        Assert.Contains("Conv2DOp.Backward", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DOp.Forward(Conv2DGeometry.Square(3, 7, 7, 4, 3, groups: 2), 2, x, w, [], y));
        Assert.Contains("groups", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2DOp.Forward(Conv2DGeometry.Square(3, 2, 2, 4, 3), 1, new float[12], new float[108], [], []));
        Assert.Contains("does not fit", e.Message);
    }

    [Theory]
    [InlineData("LeNet C1 1x28x28 5x5 p2")]
    [InlineData("LeNet C3 6x14x14 5x5")]
    [InlineData("3x3 s2 p1 odd 9x11 no-bias")]
    [InlineData("depthwise 3x3 p1 relu")]
    [InlineData("1x1 pointwise sigmoid")]
    [InlineData("winograd 16 in 17 out 3x3 p1 19x21 relu")]
    [InlineData("winograd dW 120 in 16 out 3x3 p1 13x19")]
    [InlineData("winograd4 16 in 17 out 3x3 p1 22x47 relu")]
    public void Forward_and_backward_allocate_nothing_after_warm_up(string name)
    {
        var c = Cases[name]; var g = c.G;
        var (x, w, b) = Data(c);
        var y = new float[c.Batch * g.OutputLength]; var dz = TestData.Uniform(4, y.Length);
        var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[g.OutChannels];
        void Run()
        {
            Conv2DOp.Forward(g, c.Batch, x, w, b, y, c.Act, Slope);
            Conv2DOp.Backward(g, c.Batch, x, w, dz, dx, dw, c.Bias ? db : []);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The F(4×4, 3×3) cases take that path at this vector width (forward and dx), and a layer wider than its channel
    /// limit keeps F(2×2, 3×3): otherwise the cases above would test F(2×2, 3×3) twice.</summary>
    [Fact]
    public void The_winograd4_cases_take_F4_and_wider_layers_F2()
    {
        foreach (var (name, c) in Cases.Where(kv => kv.Key.StartsWith("winograd4", StringComparison.Ordinal)))
        {
            Assert.True(Conv2DOp.UseWinograd4(c.G, c.Batch), $"{name}: forward not by F(4x4, 3x3)");
            Assert.True(Conv2DOp.UseWinograd4(Conv2DOp.InputGradientGeometry(c.G), c.Batch),
                $"{name}: dx not by F(4x4, 3x3)");
        }
        Assert.False(Conv2DOp.UseWinograd4(Cases["winograd4 64 in 24 out 3x3 p0 14x50 batch 3 tanh"].G with { InChannels = 65 }, 3));
    }

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (p, q) => p + q).ToArray();
}
