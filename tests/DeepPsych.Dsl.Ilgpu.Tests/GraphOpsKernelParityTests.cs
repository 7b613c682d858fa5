using DeepPsych.Dsl.Ilgpu.Ops;
using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using DeepPsych.Dsl.Devices;
using ILGPU.Algorithms;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// The graph-network op families' kernels (BatchNorm, LRN, adaptive average pooling, spatial pyramid pooling, residual add,
/// concat, softmax/log-softmax, weighted cross-entropy), forward and backward, against the CPU op of the same name (the
/// oracle) at tiny odd shapes, through the families' static launchers. Written once; each backend runs it through a subclass.
/// Backward outputs are pre-filled with random values on both sides, so the tests also check that the kernels ACCUMULATE.
/// </summary>
public abstract class GraphOpsKernelParityTests(BackendFixture fixture)
{
    private Accelerator Acc
    {
        get
        {
            Skip.If(fixture.Backend is null, fixture.SkipReason);
            return ((IlgpuBackend)fixture.Backend!).Accelerator;
        }
    }

    /// <summary>(affine, N, C, S): tiny (one slice per channel); and 3·201 = 603 values per channel in 2 strided slices of
    /// 302 and 301 values, each slice crossing samples.</summary>
    [SkippableTheory, InlineData(true, 3, 4, 5), InlineData(false, 3, 4, 5), InlineData(true, 3, 2, 201)]
    public void BatchNorm_training_forward_backward_and_eval_match_cpu(bool affine, int n, int c, int s)
    {
        var acc = Acc;
        var x = Rand(n * c * s, 1, -2f, 3f); float[] gamma = affine ? Rand(c, 2, 0.5f, 1.5f) : [], beta = affine ? Rand(c, 3) : [];
        var rm = Rand(c, 4); var rv = Rand(c, 5, 0.5f, 2f); var dy = Rand(x.Length, 6);
        var dx0 = Rand(x.Length, 7); float[] dg0 = affine ? Rand(c, 8) : [], db0 = affine ? Rand(c, 9) : [];

        float[] y = new float[x.Length], mean = new float[c], inv = new float[c], erm = (float[])rm.Clone(), erv = (float[])rv.Clone();
        float[] edx = (float[])dx0.Clone(), edg = (float[])dg0.Clone(), edb = (float[])db0.Clone(), eval = new float[x.Length];
        BatchNormOp.ForwardTraining(n, c, s, x, gamma, beta, 1e-5f, 0.1f, erm, erv, y, mean, inv);
        BatchNormOp.BackwardTraining(n, c, s, x, gamma, mean, inv, dy, edx, edg, edb);
        BatchNormOp.ForwardInference(n, c, s, x, gamma, beta, erm, erv, 1e-5f, eval);

        using var bx = Up(acc, x); using var bg = Up(acc, gamma); using var bb = Up(acc, beta); using var brm = Up(acc, rm); using var brv = Up(acc, rv);
        using var by = acc.Allocate1D<float>(x.Length); using var bm = acc.Allocate1D<float>(c); using var bi = acc.Allocate1D<float>(c);
        using var bdy = Up(acc, dy); using var bdx = Up(acc, dx0); using var bdg = Up(acc, dg0); using var bdb = Up(acc, db0);
        var shape = new NormShape(n, c, s);
        using var work = acc.Allocate1D<float>(BatchNormKernels.WorkspaceLength(shape)); using var beval = acc.Allocate1D<float>(x.Length);
        BatchNormKernels.ForwardTraining(acc, shape, 1e-5f, 0.1f, bx.View, Opt(gamma, bg), Opt(beta, bb), brm.View, brv.View, by.View, bm.View, bi.View, work.View);
        BatchNormKernels.BackwardTraining(acc, shape, bx.View, Opt(gamma, bg), bm.View, bi.View, bdy.View, bdx.View, Opt(dg0, bdg), Opt(db0, bdb), work.View);
        BatchNormKernels.ForwardInference(acc, shape, 1e-5f, bx.View, Opt(gamma, bg), Opt(beta, bb), brm.View, brv.View, beval.View);

        Tolerance.AssertClose(y, Down(by), Tolerance.Elementwise, "BN y");
        Tolerance.AssertClose(mean, Down(bm), Tolerance.Elementwise, "BN saveMean");
        Tolerance.AssertClose(inv, Down(bi), Tolerance.Elementwise, "BN saveInvStd");
        Tolerance.AssertClose(erm, Down(brm), Tolerance.Elementwise, "BN runningMean");
        Tolerance.AssertClose(erv, Down(brv), Tolerance.Elementwise, "BN runningVar");
        Tolerance.AssertClose(edx, Down(bdx), Tolerance.Ops, "BN dx");
        if (affine) { Tolerance.AssertClose(edg, Down(bdg), Tolerance.Ops, "BN dgamma"); Tolerance.AssertClose(edb, Down(bdb), Tolerance.Ops, "BN dbeta"); }
        Tolerance.AssertClose(eval, Down(beval), Tolerance.Elementwise, "BN eval y");
    }

    [SkippableFact]
    public void LocalResponseNorm_matches_cpu()
    {
        const int n = 2, c = 7, s = 5, size = 5;
        const float alpha = 2f, beta = 0.75f, k = 1f;
        var acc = Acc;
        var x = Rand(n * c * s, 10, -2f, 2f); var dy = Rand(x.Length, 11); var dx0 = Rand(x.Length, 12);
        float[] y = new float[x.Length], scale = new float[x.Length], edx = (float[])dx0.Clone();
        LocalResponseNormOp.Forward(n, c, s, size, alpha, beta, k, x, y, scale);
        LocalResponseNormOp.Backward(n, c, s, size, alpha, beta, k, x, y, scale, dy, edx);
        using var bx = Up(acc, x); using var by = acc.Allocate1D<float>(x.Length); using var bs = acc.Allocate1D<float>(x.Length);
        using var bdy = Up(acc, dy); using var bdx = Up(acc, dx0);
        var shape = new LrnShape(n, c, s, size, alpha, beta, k);
        LocalResponseNormKernels.Forward(acc, shape, bx.View, by.View, bs.View);
        LocalResponseNormKernels.Backward(acc, shape, bx.View, by.View, bs.View, bdy.View, bdx.View);
        Tolerance.AssertClose(y, Down(by), Tolerance.Elementwise, "LRN y");
        Tolerance.AssertClose(scale, Down(bs), Tolerance.Elementwise, "LRN scale");
        Tolerance.AssertClose(edx, Down(bdx), Tolerance.Elementwise, "LRN dx");
    }

    [SkippableTheory, InlineData(5, 7, 3, 2), InlineData(3, 2, 5, 4), InlineData(13, 10, 6, 4)]
    public void AdaptiveAvgPool2D_matches_cpu(int h, int w, int oh, int ow)
    {
        const int n = 2, c = 3;
        var acc = Acc;
        var x = Rand(n * c * h * w, 13); var dy = Rand(n * c * oh * ow, 14); var dx0 = Rand(x.Length, 15);
        float[] y = new float[dy.Length], edx = (float[])dx0.Clone();
        AdaptiveAvgPool2DOp.Forward(n, c, h, w, oh, ow, x, y);
        AdaptiveAvgPool2DOp.Backward(n, c, h, w, oh, ow, dy, edx);
        using var bx = Up(acc, x); using var by = acc.Allocate1D<float>(y.Length); using var bdy = Up(acc, dy); using var bdx = Up(acc, dx0);
        var shape = AdaptiveShape.Plain(n, c, h, w, oh, ow);
        AdaptiveAvgPool2DKernels.Forward(acc, shape, bx.View, by.View);
        AdaptiveAvgPool2DKernels.Backward(acc, shape, bdy.View, bdx.View);
        Tolerance.AssertClose(y, Down(by), Tolerance.Ops, "adaptive avg y");
        Tolerance.AssertClose(edx, Down(bdx), Tolerance.Ops, "adaptive avg dx");
    }

    [SkippableFact]
    public void SpatialPyramidPool_matches_cpu_exactly()
    {
        const int n = 2, c = 3, h = 10, w = 7;
        int[] levels = [4, 2, 1];
        var acc = Acc;
        var x = Rand(n * c * h * w, 16);
        x[5] = float.NaN;   // NaN wins its bins, as on the CPU
        int outLen = n * SpatialPyramidPoolOp.OutputLength(c, levels);
        var dy = Rand(outLen, 17); var dx0 = Rand(x.Length, 18);
        float[] y = new float[outLen], edx = (float[])dx0.Clone(); var arg = new int[outLen];
        SpatialPyramidPoolOp.Forward(n, c, h, w, levels, x, y, arg);
        SpatialPyramidPoolOp.Backward(n, c, h, w, levels, dy, arg, edx);
        using var bx = Up(acc, x); using var by = acc.Allocate1D<float>(outLen); using var ba = acc.Allocate1D<int>(outLen);
        using var bdy = Up(acc, dy); using var bdx = Up(acc, dx0);
        SpatialPyramidPoolKernels.Forward(acc, n, c, h, w, levels, bx.View, by.View, ba.View);
        SpatialPyramidPoolKernels.Backward(acc, n, c, h, w, levels, bdy.View, ba.View, bdx.View);
        acc.Synchronize();
        Assert.Equal(arg, ba.GetAsArray1D());
        Tolerance.AssertClose(y, Down(by), new Tolerance(0, 0), "SPP y");
        Tolerance.AssertClose(edx, Down(bdx), Tolerance.Elementwise, "SPP dx");   // a cell chosen by several bins sums their dy in another order
    }

    [SkippableFact]
    public void Residual_add_and_channel_concat_match_cpu()
    {
        var acc = Acc;
        const int n = 2, s = 6;
        int[] channels = [1, 3, 2];
        int total = channels.Sum();
        var a = Rand(37, 19); var b = Rand(37, 20); var da0 = Rand(37, 21);
        using var ba = Up(acc, a); using var bb = Up(acc, b); using var bsum = acc.Allocate1D<float>(37); using var bda = Up(acc, da0);
        ElementwiseKernels.Add(acc, ba.View, bb.View, bsum.View);
        ElementwiseKernels.Accumulate(acc, bb.View, bda.View);
        var sum = new float[37]; ElementwiseOp.Add(a, b, sum);
        var eda = (float[])da0.Clone(); ElementwiseOp.Accumulate(b, eda);
        Tolerance.AssertClose(sum, Down(bsum), new Tolerance(0, 0), "add");
        Tolerance.AssertClose(eda, Down(bda), new Tolerance(0, 0), "accumulate");

        var y = new float[n * total * s]; var dy = Rand(y.Length, 22);
        using var by = acc.Allocate1D<float>(y.Length); using var bdy = Up(acc, dy);
        for (int k = 0, offset = 0; k < channels.Length; offset += channels[k], k++)
        {
            var x = Rand(n * channels[k] * s, 30 + k); var dx0 = Rand(x.Length, 40 + k); var edx = (float[])dx0.Clone();
            ConcatOp.Forward(n, channels[k], total, offset, s, x, y);
            ConcatOp.Backward(n, channels[k], total, offset, s, dy, edx);
            using var bx = Up(acc, x); using var bdx = Up(acc, dx0);
            var shape = new ConcatShape(n, channels[k], total, offset, s);
            ConcatKernels.Forward(acc, shape, bx.View, by.View);
            ConcatKernels.Backward(acc, shape, bdy.View, bdx.View);
            Tolerance.AssertClose(edx, Down(bdx), new Tolerance(0, 0), $"concat dx of input {k}");
        }
        Tolerance.AssertClose(y, Down(by), new Tolerance(0, 0), "concat y");
    }

    [SkippableTheory, InlineData(false), InlineData(true)]
    public void Softmax_and_log_softmax_match_cpu(bool log)
    {
        const int n = 3, k = 11;
        var acc = Acc;
        var z = Rand(n * k, 50, -4f, 4f); var dy = Rand(z.Length, 51); var dx0 = Rand(z.Length, 52);
        float[] y = new float[z.Length], edx = (float[])dx0.Clone();
        if (log) { SoftmaxOp.LogForward(n, k, z, y); SoftmaxOp.LogBackward(n, k, y, dy, edx); }
        else { SoftmaxOp.Forward(n, k, z, y); SoftmaxOp.Backward(n, k, y, dy, edx); }
        using var bz = Up(acc, z); using var by = acc.Allocate1D<float>(z.Length); using var bdy = Up(acc, dy); using var bdx = Up(acc, dx0);
        SoftmaxKernels.Forward(acc, n, k, log, bz.View, by.View);
        SoftmaxKernels.Backward(acc, n, k, log, by.View, bdy.View, bdx.View);
        Tolerance.AssertClose(y, Down(by), Tolerance.Elementwise, $"{(log ? "log-" : "")}softmax y");
        Tolerance.AssertClose(edx, Down(bdx), Tolerance.Elementwise, $"{(log ? "log-" : "")}softmax dx");
    }

    [SkippableTheory, InlineData(true), InlineData(false)]
    public void Weighted_cross_entropy_with_ignore_index_matches_cpu(bool weighted)
    {
        const int n = 6, k = 5, ignore = -100;
        int[] labels = [3, ignore, 0, 4, ignore, 1];
        var acc = Acc;
        var z = Rand(n * k, 60, -3f, 3f); float[] w = weighted ? Rand(k, 61, 0.2f, 3f) : [];
        float scale = (float)(1 / WeightedSoftmaxCrossEntropyOp.WeightSum(k, labels, w, ignore));
        var ed = new float[z.Length];
        double expected = WeightedSoftmaxCrossEntropyOp.ForwardBackward(n, k, z, labels, w, ignore, ed, scale);
        using var bz = Up(acc, z); using var bl = acc.Allocate1D(labels); using var bw = Up(acc, w);
        using var bd = Up(acc, Rand(z.Length, 62)); using var bloss = acc.Allocate1D<float>(n);   // dlogits is overwritten
        WeightedLossKernels.SoftmaxCrossEntropy(acc, n, k, ignore, scale, bz.View, bl.View, Opt(w, bw), bd.View, bloss.View);
        Tolerance.AssertClose(ed, Down(bd), Tolerance.Elementwise, "weighted CE dlogits");
        double sum = Down(bloss).Sum(v => (double)v);
        Assert.True(Math.Abs(sum - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"loss sum {sum} on the device vs {expected} on the CPU");
    }

    [SkippableFact]
    public void Launchers_refuse_wrong_lengths_on_the_host_naming_the_shape()
    {
        var acc = Acc;
        using var a = acc.Allocate1D<float>(12); using var b = acc.Allocate1D<float>(10);
        var e = Assert.Throws<ArgumentException>(() => BatchNormKernels.ForwardInference(acc, new NormShape(2, 3, 2), 1e-5f, a.View, default, default, b.View.SubView(0, 3), b.View.SubView(0, 3), b.View));
        Assert.Contains("y has 10 elements but 2x3x2 = 12", e.Message);
        e = Assert.Throws<ArgumentException>(() => ConcatKernels.Forward(acc, new ConcatShape(1, 2, 3, 2, 2), a.View.SubView(0, 4), a.View.SubView(0, 6)));
        Assert.Contains("channels [2, 4)", e.Message);
    }

    // ---- helpers ----

    private static float[] Rand(int n, int seed, float lo = -1f, float hi = 1f)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.NextSingle();
        return a;
    }

    /// <summary>A device copy (an empty array gets a 1-element buffer, passed as absent through <see cref="Opt"/>).</summary>
    private static MemoryBuffer1D<float, Stride1D.Dense> Up(Accelerator acc, float[] a) => a.Length == 0 ? acc.Allocate1D<float>(1) : acc.Allocate1D(a);

    /// <summary>The buffer's view, or the empty view ("absent": affine = false, no weights) when the host array is empty.</summary>
    private static ArrayView<float> Opt(float[] host, MemoryBuffer1D<float, Stride1D.Dense> b) => host.Length == 0 ? default : b.View;

    private static float[] Down(MemoryBuffer1D<float, Stride1D.Dense> b)
    {
        b.Accelerator.Synchronize();
        return b.GetAsArray1D();
    }
}

/// <summary>The graph-op parity tests on ILGPU's CPU accelerator (always present).</summary>
[Collection(GraphOpsCollection.Name)]
public sealed class IlgpuCpuGraphOpsKernelParityTests(IlgpuCpuFixture fixture) : GraphOpsKernelParityTests(fixture), IClassFixture<IlgpuCpuFixture>;

/// <summary>The graph-op parity tests on OpenCL device 0 (PoCL in CI); skipped, with the reason, when no OpenCL device is present.</summary>
[Collection(GraphOpsCollection.Name)]
public sealed class OpenClGraphOpsKernelParityTests(OpenClFixture fixture) : GraphOpsKernelParityTests(fixture), IClassFixture<OpenClFixture>;

/// <summary>ILGPU's CPU accelerator with assertions on: every ArrayView access is bounds-checked, so a kernel that reads or
/// writes outside its views fails here instead of corrupting memory on a device. (ILGPU's failed assertion is fatal: an
/// out-of-bounds access takes the test host down — checked by hand with a deliberately short view — so a pass means none.)</summary>
public sealed class BoundsCheckedCpuFixture : BackendFixture
{
    public BoundsCheckedCpuFixture() : base(Open()) { }

    private static IDeviceBackend Open()
    {
        var context = Context.Create(b => b.CPU().Assertions().Math(MathMode.Default).EnableAlgorithms());
        return new IlgpuBackend(DeepPsych.Dsl.Devices.Device.IlgpuCpu, context, context.CreateCPUAccelerator(0, CPUAcceleratorMode.Sequential));
    }
}

/// <summary>The graph-op parity tests with every view access bounds-checked (see <see cref="BoundsCheckedCpuFixture"/>).</summary>
[Collection(GraphOpsCollection.Name)]
public sealed class BoundsCheckedGraphOpsKernelParityTests(BoundsCheckedCpuFixture fixture) : GraphOpsKernelParityTests(fixture), IClassFixture<BoundsCheckedCpuFixture>;

/// <summary>The three graph-op parity classes run one after another, not in parallel with each other: in 2 of ~10 runs
/// with all of them in parallel the test host crashed (no managed exception; never when run one class at a time, and the
/// bounds-checked run shows no out-of-bounds access), so concurrent kernel loading in ILGPU/PoCL is the suspect.</summary>
[CollectionDefinition(Name)]
public sealed class GraphOpsCollection
{
    public const string Name = "Graph-op kernels";
}
