using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// Every kernel, forward and backward, against the CPU op of the same name (the oracle), at tiny odd shapes. Written once;
/// each backend runs it through a subclass (<see cref="IlgpuCpuKernelParityTests"/>, <see cref="OpenClKernelParityTests"/>).
/// Backward outputs are pre-filled with random values on both sides, so the tests also check that the kernels ACCUMULATE.
/// </summary>
public abstract class KernelParityTests(BackendFixture fixture)
{
    private IDeviceBackend B
    {
        get
        {
            Skip.If(fixture.Backend is null, fixture.SkipReason);
            return fixture.Backend!;
        }
    }

    /// <summary>Geometries covering every conv option: padding, rectangular kernels, stride, dilation, groups, depthwise, 1×1.</summary>
    public static TheoryData<string> ConvCases => new() { "basic", "strided-dilated-rect", "grouped", "depthwise-strided", "pointwise", "per-side-pads" };

    private static Conv2DGeometry Conv(string name) => name switch
    {
        "basic" => Conv2DGeometry.Square(2, 5, 6, 3, 3, padding: 1),
        "strided-dilated-rect" => new(3, 7, 6, 4, KernelH: 3, KernelW: 2, StrideH: 2, StrideW: 1, PadH: 1, PadW: 0, DilationH: 2, DilationW: 1, Groups: 1),
        "grouped" => Conv2DGeometry.Square(4, 5, 5, 6, 3, padding: 1, groups: 2),
        "depthwise-strided" => Conv2DGeometry.Square(3, 6, 6, 3, 3, stride: 2, padding: 1, groups: 3),
        "pointwise" => Conv2DGeometry.Square(4, 4, 4, 5, 1),
        "per-side-pads" => Conv2DGeometry.Square(2, 5, 6, 3, 3, stride: 2, padding: 0) with { PadW = 2, PadBottom = 1, PadRight = 0 },
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<Act> Activations => new(Enum.GetValues<Act>());

    private const int Batch = 2;

    [SkippableTheory, MemberData(nameof(ConvCases))]
    public void Conv2DForward_matches_cpu_for_every_geometry(string name)
    {
        var g = Conv(name);
        foreach (bool bias in new[] { true, false })
            CheckConvForward(g, bias ? Act.ReLU : Act.None, bias, $"conv {name} bias={bias}");
    }

    [SkippableTheory, MemberData(nameof(Activations))]
    public void Conv2DForward_fuses_every_activation(Act act) => CheckConvForward(Conv("basic"), act, true, $"conv+{act}");

    private void CheckConvForward(in Conv2DGeometry g, Act act, bool bias, string what)
    {
        var x = Rand(Batch * g.InputLength, 1); var w = Rand(g.WeightLength, 2); var b = bias ? Rand(g.OutChannels, 3) : [];
        var expected = new float[Batch * g.OutputLength];
        Conv2DOp.Forward(g, Batch, x, w, b, expected, act, 0.1f);
        using var dx = Up(x); using var dw = Up(w); using var db = Up(b); using var dy = B.Allocate<float>(expected.Length);
        B.Conv2DForward(g, Batch, dx, dw, bias ? db.View : default, dy, act, 0.1f);
        Tolerance.AssertClose(expected, Down(dy), Tolerance.Ops, what);
    }

    [SkippableTheory, MemberData(nameof(ConvCases))]
    public void Conv2DBackward_matches_cpu_and_accumulates(string name)
    {
        var g = Conv(name);
        var x = Rand(Batch * g.InputLength, 4); var w = Rand(g.WeightLength, 5); var dz = Rand(Batch * g.OutputLength, 6);
        var dx0 = Rand(x.Length, 7); var dw0 = Rand(w.Length, 8); var db0 = Rand(g.OutChannels, 9);
        float[] ex = (float[])dx0.Clone(), ew = (float[])dw0.Clone(), eb = (float[])db0.Clone();
        Conv2DOp.Backward(g, Batch, x, w, dz, ex, ew, eb);
        using var bx = Up(x); using var bw = Up(w); using var bdz = Up(dz); using var bdx = Up(dx0); using var bdw = Up(dw0); using var bdb = Up(db0);
        B.Conv2DBackward(g, Batch, bx, bw, bdz, bdx, bdw, bdb);
        Tolerance.AssertClose(ex, Down(bdx), Tolerance.Ops, $"conv {name} dx");
        Tolerance.AssertClose(ew, Down(bdw), Tolerance.Ops, $"conv {name} dw");
        Tolerance.AssertClose(eb, Down(bdb), Tolerance.Ops, $"conv {name} db");

        // Skipping dx (first layer) and db (no bias) leaves dw as before.
        float[] ew2 = (float[])dw0.Clone();
        Conv2DOp.Backward(g, Batch, x, w, dz, [], ew2, []);
        B.Upload<float>(dw0, bdw);
        B.Conv2DBackward(g, Batch, bx, bw, bdz, default, bdw, default);
        Tolerance.AssertClose(ew2, Down(bdw), Tolerance.Ops, $"conv {name} dw without dx/db");
    }

    [SkippableFact]
    public void Conv2DBackward_splits_large_batches_into_slices_correctly()
    {
        // 1 input channel and a 2x2 kernel: 4 weights, so the weight gradient is split into many batch slices.
        var g = Conv2DGeometry.Square(1, 4, 4, 1, 2);
        const int batch = 37;
        var x = Rand(batch * g.InputLength, 10); var w = Rand(g.WeightLength, 11); var dz = Rand(batch * g.OutputLength, 12);
        var ew = new float[w.Length];
        Conv2DOp.Backward(g, batch, x, w, dz, [], ew, []);
        using var bx = Up(x); using var bw = Up(w); using var bdz = Up(dz); using var bdw = B.Allocate<float>(w.Length);
        B.Conv2DBackward(g, batch, bx, bw, bdz, default, bdw, default);
        Tolerance.AssertClose(ew, Down(bdw), Tolerance.Ops, "conv dw, batch 37 in slices");
    }

    [SkippableTheory, MemberData(nameof(Activations))]
    public void DenseForward_fuses_every_activation(Act act)
    {
        const int inF = 7, outF = 5;
        var x = Rand(Batch * inF, 13); var w = Rand(outF * inF, 14); var b = Rand(outF, 15);
        var expected = new float[Batch * outF];
        DenseOp.Forward(Batch, inF, outF, x, w, b, expected, act, 0.1f);
        using var bx = Up(x); using var bw = Up(w); using var bb = Up(b); using var by = B.Allocate<float>(expected.Length);
        B.DenseForward(Batch, inF, outF, bx, bw, bb, by, act, 0.1f);
        Tolerance.AssertClose(expected, Down(by), Tolerance.Ops, $"dense+{act}");

        DenseOp.Forward(Batch, inF, outF, x, w, [], expected, act, 0.1f);
        B.DenseForward(Batch, inF, outF, bx, bw, default, by, act, 0.1f);
        Tolerance.AssertClose(expected, Down(by), Tolerance.Ops, $"dense+{act} without bias");
    }

    [SkippableFact]
    public void DenseBackward_matches_cpu_and_accumulates()
    {
        const int batch = 3, inF = 7, outF = 5;
        var x = Rand(batch * inF, 16); var w = Rand(outF * inF, 17); var dz = Rand(batch * outF, 18);
        var dx0 = Rand(x.Length, 19); var dw0 = Rand(w.Length, 20); var db0 = Rand(outF, 21);
        float[] ex = (float[])dx0.Clone(), ew = (float[])dw0.Clone(), eb = (float[])db0.Clone();
        DenseOp.Backward(batch, inF, outF, x, w, dz, ex, ew, eb);
        using var bx = Up(x); using var bw = Up(w); using var bdz = Up(dz); using var bdx = Up(dx0); using var bdw = Up(dw0); using var bdb = Up(db0);
        B.DenseBackward(batch, inF, outF, bx, bw, bdz, bdx, bdw, bdb);
        Tolerance.AssertClose(ex, Down(bdx), Tolerance.Ops, "dense dx");
        Tolerance.AssertClose(ew, Down(bdw), Tolerance.Ops, "dense dw");
        Tolerance.AssertClose(eb, Down(bdb), Tolerance.Ops, "dense db");
    }

    [SkippableTheory, MemberData(nameof(Activations))]
    public void Activation_forward_backward_and_derivative_match_cpu(Act act)
    {
        const int n = 37;   // not a multiple of the CPU's vector width: its scalar tail is checked too
        var z = Rand(n, 22, -3f, 3f); var dy = Rand(n, 23); var dx0 = Rand(n, 24);
        var y = new float[n];
        ActivationOp.Forward(act, 0.1f, z, y);
        using var bz = Up(z); using var by = B.Allocate<float>(n);
        B.ActivationForward(act, 0.1f, bz, by);
        Tolerance.AssertClose(y, Down(by), Tolerance.Elementwise, $"{act} forward");

        var ex = (float[])dx0.Clone();
        ActivationOp.Backward(act, 0.1f, y, dy, ex);
        using var byCpu = Up(y); using var bdy = Up(dy); using var bdx = Up(dx0);
        B.ActivationBackward(act, 0.1f, byCpu, bdy, bdx);
        Tolerance.AssertClose(ex, Down(bdx), Tolerance.Elementwise, $"{act} backward");

        var ed = (float[])dy.Clone();
        ActivationOp.ApplyDerivativeInPlace(act, 0.1f, y, ed);
        B.ActivationApplyDerivativeInPlace(act, 0.1f, byCpu, bdy);
        Tolerance.AssertClose(ed, Down(bdy), Tolerance.Elementwise, $"{act} derivative in place");
    }

    [SkippableFact]
    public void ReLU_keeps_NaN_as_the_cpu_does()
    {
        float[] z = [float.NaN, -1f, 2f, 0f];
        var expected = new float[z.Length];
        ActivationOp.Forward(Act.ReLU, 0f, z, expected);
        using var bz = Up(z); using var by = B.Allocate<float>(z.Length);
        B.ActivationForward(Act.ReLU, 0f, bz, by);
        Assert.True(float.IsNaN(expected[0]), "the CPU op is expected to keep NaN");
        Assert.Equal(expected, Down(by));
        using var bw = Up([1f]); using var bc = B.Allocate<float>(z.Length);
        B.DenseForward(z.Length, 1, 1, bz, bw, default, bc, Act.ReLU);   // the fused path too
        Assert.Equal(expected, Down(bc));
    }

    public static TheoryData<string> PoolCases => new() { "2x2", "3x3-stride2-pad1-overlapping", "rect", "ceil-mode-pad1", "ceil-mode-per-side", "per-side" };

    private static Pool2DGeometry Pool(string name) => name switch
    {
        "2x2" => Pool2DGeometry.Square(2, 6, 6, 2),
        "3x3-stride2-pad1-overlapping" => Pool2DGeometry.Square(2, 7, 6, 3, stride: 2, padding: 1),
        "rect" => new(3, 5, 7, KernelH: 2, KernelW: 3, StrideH: 1, StrideW: 2, PadH: 1, PadW: 1),
        "ceil-mode-pad1" => Pool2DGeometry.Square(2, 6, 8, 3, stride: 2, padding: 1) with { CeilMode = true },   // last windows run past the padding
        "ceil-mode-per-side" => Pool2DGeometry.Square(2, 7, 6, 2) with { PadW = 1, PadBottom = 1, CeilMode = true },
        "per-side" => Pool2DGeometry.Square(1, 6, 7, 3, stride: 2) with { PadH = 1, PadRight = 1 },
        _ => throw new ArgumentException(name),
    };

    [SkippableTheory, MemberData(nameof(PoolCases))]
    public void MaxPool2D_matches_cpu_exactly_forward_and_backward(string name)
    {
        var g = Pool(name);
        var x = Rand(Batch * g.InputLength, 25);
        var y = new float[Batch * g.OutputLength]; var arg = new int[y.Length];
        MaxPool2DOp.Forward(g, Batch, x, y, arg);
        using var bx = Up(x); using var by = B.Allocate<float>(y.Length); using var barg = B.Allocate<int>(y.Length);
        B.MaxPool2DForward(g, Batch, bx, by, barg);
        Assert.Equal(y, Down(by));
        var darg = new int[arg.Length];
        B.Download<int>(barg, darg);
        Assert.Equal(arg, darg);

        var dy = Rand(y.Length, 26); var dx0 = Rand(x.Length, 27); var ex = (float[])dx0.Clone();
        MaxPool2DOp.Backward(g, Batch, dy, arg, ex);
        using var bdy = Up(dy); using var bdx = Up(dx0);
        B.MaxPool2DBackward(g, Batch, bdy, barg, bdx);
        Tolerance.AssertClose(ex, Down(bdx), Tolerance.Elementwise, $"maxpool {name} dx");
    }

    [SkippableTheory, MemberData(nameof(PoolCases))]
    public void AvgPool2D_matches_cpu_with_and_without_counting_padding(string name)
    {
        var g = Pool(name);
        foreach (bool include in new[] { true, false })
        {
            var x = Rand(Batch * g.InputLength, 28);
            var y = new float[Batch * g.OutputLength];
            AvgPool2DOp.Forward(g, Batch, x, y, include);
            using var bx = Up(x); using var by = B.Allocate<float>(y.Length);
            B.AvgPool2DForward(g, Batch, bx, by, include);
            Tolerance.AssertClose(y, Down(by), Tolerance.Ops, $"avgpool {name} countIncludePad={include}");

            var dy = Rand(y.Length, 29); var dx0 = Rand(x.Length, 30); var ex = (float[])dx0.Clone();
            AvgPool2DOp.Backward(g, Batch, dy, ex, include);
            using var bdy = Up(dy); using var bdx = Up(dx0);
            B.AvgPool2DBackward(g, Batch, bdy, bdx, include);
            Tolerance.AssertClose(ex, Down(bdx), Tolerance.Ops, $"avgpool {name} dx countIncludePad={include}");
        }
    }

    [SkippableFact]
    public void GlobalAvgPool_matches_cpu()
    {
        const int channels = 3, spatial = 21;
        var x = Rand(Batch * channels * spatial, 31); var y = new float[Batch * channels];
        GlobalAvgPoolOp.Forward(Batch, channels, spatial, x, y);
        using var bx = Up(x); using var by = B.Allocate<float>(y.Length);
        B.GlobalAvgPoolForward(Batch, channels, spatial, bx, by);
        Tolerance.AssertClose(y, Down(by), Tolerance.Ops, "global avgpool");

        var dy = Rand(y.Length, 32); var dx0 = Rand(x.Length, 33); var ex = (float[])dx0.Clone();
        GlobalAvgPoolOp.Backward(Batch, channels, spatial, dy, ex);
        using var bdy = Up(dy); using var bdx = Up(dx0);
        B.GlobalAvgPoolBackward(Batch, channels, spatial, bdy, bdx);
        Tolerance.AssertClose(ex, Down(bdx), Tolerance.Elementwise, "global avgpool dx");
    }

    [SkippableFact]
    public void Dropout_mask_is_bit_identical_to_cpu()
    {
        const int n = 1000;
        var x = Rand(n, 34);
        foreach (var (rate, seed, step, first) in new[] { (0.3f, 7, 5L, 11L), (0.5f, -3, 123456789012L, 1L << 33), (0f, 1, 0L, 0L) })
        {
            var y = new float[n]; var mask = new float[n];
            DropoutOp.Forward(rate, seed, step, first, x, y, mask);
            using var bx = Up(x); using var by = B.Allocate<float>(n); using var bm = B.Allocate<float>(n);
            B.DropoutForward(rate, seed, step, first, bx, by, bm);
            Assert.Equal(mask, Down(bm));
            Assert.Equal(y, Down(by));
            if (rate > 0) Assert.Contains(0f, mask);   // the test would be vacuous if nothing were dropped

            var dy = Rand(n, 35); var dx0 = Rand(n, 36); var ex = (float[])dx0.Clone();
            DropoutOp.Backward(dy, mask, ex);
            using var bdy = Up(dy); using var bdx = Up(dx0);
            B.DropoutBackward(bdy, bm, bdx);
            Assert.Equal(ex, Down(bdx));
        }
    }

    [SkippableFact]
    public void SoftmaxCrossEntropy_matches_cpu()
    {
        const int batch = 3, classes = 10;
        var logits = Rand(batch * classes, 37, -4f, 4f); int[] labels = [3, 0, 9];
        var d = new float[logits.Length];
        double loss = SoftmaxCrossEntropyOp.ForwardBackward(batch, classes, logits, labels, d, 1f / batch);
        using var bl = Up(logits); using var blab = B.Allocate<int>(batch); using var bd = B.Allocate<float>(d.Length); using var bloss = B.Allocate<float>(batch);
        B.Upload<int>(labels, blab);
        B.SoftmaxCrossEntropy(batch, classes, bl, blab, bd, 1f / batch, bloss);
        Tolerance.AssertClose(d, Down(bd), Tolerance.Elementwise, "dlogits");
        Assert.InRange(B.Sum(bloss), loss - 1e-5 * loss, loss + 1e-5 * loss);
    }

    [SkippableFact]
    public void MseLoss_matches_cpu()
    {
        const int n = 23;
        var p = Rand(n, 38); var t = Rand(n, 39); var d = new float[n];
        double sum = MseLossOp.ForwardBackward(p, t, d, 1f / n);
        using var bp = Up(p); using var bt = Up(t); using var bd = B.Allocate<float>(n); using var bs = B.Allocate<float>(n);
        B.MseLoss(bp, bt, bd, 1f / n, bs);
        Tolerance.AssertClose(d, Down(bd), Tolerance.Elementwise, "dpred");
        Assert.InRange(B.Sum(bs), sum - 1e-6 * sum, sum + 1e-6 * sum);
    }

    public static TheoryData<string> SgdCases => new() { "plain", "momentum-dampening-decay", "nesterov-masked-decay" };

    [SkippableTheory, MemberData(nameof(SgdCases))]
    public void SgdUpdate_matches_the_Sgd_optimizer_over_three_steps(string name)
    {
        var sgd = name switch
        {
            "plain" => new Sgd(0.1f),
            "momentum-dampening-decay" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 0.01f, dampening: 0.1f),
            _ => new Sgd(0.05f, momentum: 0.8f, weightDecay: 0.02f, nesterov: true),
        };
        var mask = name.StartsWith("nesterov", StringComparison.Ordinal) ? Mask(41) : [];
        CheckOptimizer(sgd, mask, (t, bp, bg, s0, _, bm) => B.SgdUpdate(SgdStep.For(sgd, t), bp, bg, sgd.Momentum == 0 ? default : s0, bm), name);
    }

    [SkippableTheory, InlineData(false), InlineData(true)]
    public void AdamUpdate_matches_Adam_and_AdamW_over_three_steps(bool decoupled)
    {
        Adam adam = decoupled ? new AdamW(0.01f, weightDecay: 0.1f) : new Adam(0.01f, weightDecay: 0.01f);
        CheckOptimizer(adam, decoupled ? Mask(41) : [], (t, bp, bg, s0, s1, bm) => B.AdamUpdate(AdamStep.For(adam, t), bp, bg, s0, s1, bm), adam.Kind);
    }

    private void CheckOptimizer(Optimizer cpu, float[] mask,
        Action<long, DeviceView<float>, DeviceView<float>, DeviceView<float>, DeviceView<float>, DeviceView<float>> deviceStep, string what)
    {
        const int n = 41;
        var p = Rand(n, 43);
        using var bp = Up(p); using var bg = B.Allocate<float>(n); using var s0 = B.Allocate<float>(n); using var s1 = B.Allocate<float>(n); using var bm = Up(mask);
        for (int t = 1; t <= 3; t++)
        {
            var g = Rand(n, 50 + t);
            B.Upload<float>(g, bg);
            deviceStep(t, bp, bg, s0, s1, mask.Length == 0 ? default : bm.View);   // hyper-parameters of step t, read before the CPU step
            cpu.Step(p, g, mask);
            Tolerance.AssertClose(p, Down(bp), Tolerance.Elementwise, $"{what} parameters after step {t}");
        }
    }

    /// <summary>Statistics (Σ x², all finite) against <see cref="GradientClipping.GlobalNorm"/> in double, over lengths below,
    /// at and above the reduction's 1024 partial sums; a NaN or an ∞ anywhere is reported as not finite, huge finite values are not.</summary>
    [SkippableFact]
    public void Statistics_matches_the_host_norm_and_finds_NaN_and_infinity()
    {
        foreach (int n in new[] { 1, 7, 1024, 3001 })
        {
            var x = Rand(n, 60 + n);
            using var bx = Up(x);
            var s = B.Statistics(bx);
            double norm = GradientClipping.GlobalNorm(x);
            Assert.True(s.AllFinite, $"n={n}: finite values reported as not finite");
            Tolerance.AssertClose([(float)(norm * norm)], [(float)s.SumOfSquares], Tolerance.Ops, $"Σ x² over {n}");
            foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
            {
                var y = (float[])x.Clone();
                y[n - 1] = bad;
                using var by = Up(y);
                Assert.False(B.Statistics(by).AllFinite, $"n={n}: {bad} at the end not found");
            }
        }
        using var huge = Up([3e38f, 3e38f]);
        Assert.True(B.Statistics(huge).AllFinite, "Σ x² overflows, but every element is finite");
    }

    /// <summary>Scale and Clamp against <see cref="GradientClipping"/>'s host loops (exact: one multiply or compare per element).</summary>
    [SkippableFact]
    public void Scale_and_Clamp_match_gradient_clipping_on_the_host()
    {
        var x = Rand(37, 70, -3f, 3f);
        x[5] = float.NaN;
        using var bx = Up(x);
        B.Scale(bx, 0.75f);
        B.Clamp(bx, 1.5f);
        var expected = (float[])x.Clone();
        for (int i = 0; i < expected.Length; i++) expected[i] *= 0.75f;
        GradientClipping.ClipByValue(expected, 1.5f);
        Tolerance.AssertClose(expected, Down(bx), new Tolerance(0, 0), "scale 0.75 then clamp ±1.5");
    }

    private static float[] Mask(int n)
    {
        var m = new float[n];
        for (int i = 0; i < n; i++) m[i] = i % 3 == 0 ? 0f : 1f;
        return m;
    }

    // ---- helpers ----

    private static float[] Rand(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.NextSingle();
        return a;
    }

    private DeviceBuffer<float> Up(float[] a)
    {
        var buffer = B.Allocate<float>(a.Length);
        B.Upload<float>(a, buffer);
        return buffer;
    }

    private float[] Down(DeviceBuffer<float> buffer)
    {
        var a = new float[buffer.Length];
        B.Download<float>(buffer, a);
        return a;
    }
}

/// <summary>The parity tests on ILGPU's CPU accelerator (always present).</summary>
public sealed class IlgpuCpuKernelParityTests(IlgpuCpuFixture fixture) : KernelParityTests(fixture), IClassFixture<IlgpuCpuFixture>;

/// <summary>The parity tests on OpenCL device 0 (PoCL in CI); skipped, with the reason, when no OpenCL device is present.</summary>
public sealed class OpenClKernelParityTests(OpenClFixture fixture) : KernelParityTests(fixture), IClassFixture<OpenClFixture>;
