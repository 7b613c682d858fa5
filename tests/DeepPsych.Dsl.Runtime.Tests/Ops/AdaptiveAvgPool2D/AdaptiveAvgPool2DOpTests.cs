using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.AdaptiveAvgPool2D;

public class AdaptiveAvgPool2DOpTests
{
    /// <summary>(C, H, W, OH, OW): dividing and non-dividing sizes, output larger than the input, 1×1 (global), identity.</summary>
    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        { 1, 1, 1, 1, 1 }, { 2, 5, 7, 3, 2 }, { 1, 10, 10, 4, 4 }, { 3, 3, 2, 5, 4 }, { 2, 7, 9, 1, 1 }, { 2, 6, 6, 6, 6 }, { 1, 13, 11, 6, 7 },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Forward_matches_the_reference(int c, int h, int w, int oh, int ow)
    {
        const int n = 2;
        var x = TestData.Uniform(1, n * c * h * w);
        var y = new float[n * c * oh * ow];
        AdaptiveAvgPool2DOp.Forward(n, c, h, w, oh, ow, x, y);
        Parity.AssertClose("y", y, AdaptiveAvgPool(n, c, h, w, oh, ow, TestData.ToDouble(x)));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences_and_accumulates(int c, int h, int w, int oh, int ow)
    {
        const int n = 2;
        var x = TestData.Uniform(2, n * c * h * w); var r = TestData.Uniform(3, n * c * oh * ow);
        var dx = TestData.Uniform(4, x.Length); var dx0 = TestData.ToDouble(dx);
        AdaptiveAvgPool2DOp.Backward(n, c, h, w, oh, ow, r, dx);
        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, xd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, AdaptiveAvgPool(n, c, h, w, oh, ow, xd)), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [Fact]
    public void Bins_cover_every_cell_and_Covering_inverts_them()
    {
        for (int a = 1; a <= 40; a++)
            for (int n = 1; n <= 12; n++)
            {
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(Bin(i, a, n), (AdaptiveBins.Start(i, a, n), AdaptiveBins.End(i, a, n)));
                    Assert.True(AdaptiveBins.End(i, a, n) > AdaptiveBins.Start(i, a, n), $"bin {i} of {n} over {a} is empty");
                }
                for (int p = 0; p < a; p++)
                {
                    AdaptiveBins.Covering(p, a, n, out int i0, out int i1);
                    var expected = Enumerable.Range(0, n).Where(i => AdaptiveBins.Start(i, a, n) <= p && p < AdaptiveBins.End(i, a, n)).ToArray();
                    Assert.True(expected.Length > 0, $"cell {p} of {a} lies in no bin of {n}");
                    Assert.Equal(expected, Enumerable.Range(i0, i1 - i0 + 1).ToArray());
                }
            }
    }

    [TorchFact]
    public void Matches_pytorch_adaptive_avg_pool2d_forward_and_backward()
    {
        const int n = 2, c = 3, h = 13, w = 10, oh = 6, ow = 4;
        var x = TestData.Uniform(7, n * c * h * w); var dy = TestData.Uniform(8, n * c * oh * ow);
        string output = TorchPython.Run($$"""
            x = torch.tensor({{PyList(x)}}).reshape({{n}}, {{c}}, {{h}}, {{w}}).requires_grad_(True)
            y = torch.nn.functional.adaptive_avg_pool2d(x, ({{oh}}, {{ow}}))
            y.backward(torch.tensor({{PyList(dy)}}).reshape(y.shape))
            print(" ".join(repr(float(v)) for v in y.detach().flatten()))
            print(" ".join(repr(float(v)) for v in x.grad.flatten()))
            """);
        var lines = output.Trim().Split('\n');
        var y = new float[dy.Length]; var dx = new float[x.Length];
        AdaptiveAvgPool2DOp.Forward(n, c, h, w, oh, ow, x, y);
        AdaptiveAvgPool2DOp.Backward(n, c, h, w, oh, ow, dy, dx);
        Parity.AssertClose("y", y, TestData.ToDouble(ParseLine(lines[0])), 1e-6);
        Parity.AssertClose("dx", dx, TestData.ToDouble(ParseLine(lines[1])), 1e-6);
    }
}
