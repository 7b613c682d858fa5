using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.SpatialPyramidPool;

public class SpatialPyramidPoolOpTests
{
    /// <summary>(C, H, W, levels): the paper's {4,2,1} and {6,3,2,1}, its 13×13 conv5, non-square, a level above the input size.</summary>
    public static TheoryData<int, int, int, int[]> Cases => new()
    {
        { 1, 1, 1, new[] { 1 } },
        { 2, 5, 7, new[] { 4, 2, 1 } },
        { 2, 13, 13, new[] { 6, 3, 2, 1 } },
        { 3, 10, 9, new[] { 4, 2, 1 } },
        { 1, 3, 2, new[] { 4, 1 } },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Forward_matches_the_reference(int c, int h, int w, int[] levels)
    {
        const int n = 2;
        var x = TestData.Uniform(1, n * c * h * w);
        var y = new float[n * SpatialPyramidPoolOp.OutputLength(c, levels)]; var arg = new int[y.Length];
        SpatialPyramidPoolOp.Forward(n, c, h, w, levels, x, y, arg);
        Parity.AssertClose("y", y, SppForward(n, c, h, w, levels, TestData.ToDouble(x)), 0);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences_and_accumulates(int c, int h, int w, int[] levels)
    {
        const int n = 2;
        var x = TestData.Distinct(2, n * c * h * w);   // no ties: max is differentiable with step 1e-7 ≪ 0.01 spacing
        var y = new float[n * SpatialPyramidPoolOp.OutputLength(c, levels)]; var arg = new int[y.Length];
        SpatialPyramidPoolOp.Forward(n, c, h, w, levels, x, y, arg);
        var r = TestData.Uniform(3, y.Length);
        var dx = TestData.Uniform(4, x.Length); var dx0 = TestData.ToDouble(dx);
        SpatialPyramidPoolOp.Backward(n, c, h, w, levels, r, arg, dx);
        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, xd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, SppForward(n, c, h, w, levels, xd)), xd, idx, FiniteDifferences.StepPiecewiseLinear);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [Fact]
    public void The_papers_bins_are_ours_wherever_they_cover_the_input()
    {
        // He et al.: window ⌈a/n⌉, stride ⌊a/n⌋. Exactly where its last window ends at the edge, the bins are the adaptive
        // ones; elsewhere the paper's windows leave the last cells unpooled, which the adaptive bins keep.
        int agreed = 0;
        for (int a = 1; a <= 64; a++)
            for (int n = 1; n <= 8; n++)
            {
                int win = (a + n - 1) / n, stride = a / n;
                if (stride == 0) continue;   // n > a: the paper's windows all collapse onto cell 0
                bool covers = (n - 1) * stride + win == a;
                bool same = Enumerable.Range(0, n).All(i => AdaptiveBins.Start(i, a, n) == i * stride && AdaptiveBins.End(i, a, n) == i * stride + win);
                Assert.True(covers == same, $"a = {a}, n = {n}: the paper's windows {(covers ? "cover" : "do not cover")} the axis but {(same ? "equal" : "differ from")} the adaptive bins");
                if (same) agreed++;
            }
        Assert.True(agreed >= 250, $"only {agreed} (a, n) pairs agreed");
        Assert.Equal(9, 3 * (10 / 4) + (10 + 3) / 4);   // the paper's last window for a = 10, n = 4 ends at 9 …
        Assert.Equal(10, AdaptiveBins.End(3, 10, 4));    // … the adaptive one at 10
    }

    [Fact]
    public void Output_length_is_fixed_whatever_the_input_size()
    {
        int[] levels = [4, 2, 1];
        foreach (var (h, w) in new[] { (13, 13), (10, 17), (4, 4) })
        {
            var y = new float[SpatialPyramidPoolOp.OutputLength(2, levels)]; var arg = new int[y.Length];
            SpatialPyramidPoolOp.Forward(1, 2, h, w, levels, TestData.Uniform(h * w, 2 * h * w), y, arg);
            Assert.Equal(2 * 21, y.Length);
        }
    }

    [TorchFact]
    public void Matches_a_composition_of_pytorch_adaptive_max_pool2d()
    {
        const int n = 2;
        var cases = new[] { (C: 3, H: 13, W: 13, Levels: new[] { 6, 3, 2, 1 }), (C: 2, H: 10, W: 7, Levels: new[] { 4, 2, 1 }) };
        var xs = cases.Select(t => TestData.Distinct(t.H + t.W, n * t.C * t.H * t.W)).ToArray();
        var dys = cases.Select(t => TestData.Uniform(9, n * SpatialPyramidPoolOp.OutputLength(t.C, t.Levels))).ToArray();
        string output = TorchPython.Run($$"""
            F = torch.nn.functional
            for c, h, w, levels, xv, dyv in [{{string.Join(", ", cases.Select((t, i) => $"({t.C}, {t.H}, {t.W}, {PyList(t.Levels)}, {PyList(xs[i])}, {PyList(dys[i])})"))}}]:
                x = torch.tensor(xv).reshape({{n}}, c, h, w).requires_grad_(True)
                y = torch.cat([F.adaptive_max_pool2d(x, l).flatten(1) for l in levels], 1)
                y.backward(torch.tensor(dyv).reshape(y.shape))
                print(" ".join(repr(float(v)) for v in y.detach().flatten()))
                print(" ".join(repr(float(v)) for v in x.grad.flatten()))
            """);
        var lines = output.Trim().Split('\n');
        for (int i = 0; i < cases.Length; i++)
        {
            var (c, h, w, levels) = cases[i];
            var y = new float[dys[i].Length]; var arg = new int[y.Length]; var dx = new float[xs[i].Length];
            SpatialPyramidPoolOp.Forward(n, c, h, w, levels, xs[i], y, arg);
            SpatialPyramidPoolOp.Backward(n, c, h, w, levels, dys[i], arg, dx);
            Assert.Equal(ParseLine(lines[2 * i]), y);
            Parity.AssertClose($"dx ({h}x{w})", dx, TestData.ToDouble(ParseLine(lines[2 * i + 1])), 1e-6);
        }
    }

    [Fact]
    public void Forward_and_backward_allocate_nothing()
    {
        int[] levels = [4, 2, 1];
        var x = TestData.Uniform(31, 2 * 3 * 13 * 11);
        var y = new float[2 * SpatialPyramidPoolOp.OutputLength(3, levels)]; var arg = new int[y.Length]; var dx = new float[x.Length];
        SpatialPyramidPoolOp.Forward(2, 3, 13, 11, levels, x, y, arg);
        long before = GC.GetAllocatedBytesForCurrentThread();
        SpatialPyramidPoolOp.Forward(2, 3, 13, 11, levels, x, y, arg);
        SpatialPyramidPoolOp.Backward(2, 3, 13, 11, levels, y, arg, dx);
        AdaptiveAvgPool2DOp.Forward(2, 3, 13, 11, 4, 4, x, y.AsSpan(0, 2 * 3 * 16));
        AdaptiveAvgPool2DOp.Backward(2, 3, 13, 11, 4, 4, y.AsSpan(0, 2 * 3 * 16), dx);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
