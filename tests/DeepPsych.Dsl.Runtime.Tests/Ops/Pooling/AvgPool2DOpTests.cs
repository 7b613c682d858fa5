using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

public class AvgPool2DOpTests
{
    public static TheoryData<int, int, int, int, int, int, int, int, bool> Geometries()
    {
        var data = new TheoryData<int, int, int, int, int, int, int, int, bool>();
        foreach (bool include in new[] { true, false })
        {
            data.Add(2, 8, 8, 2, 2, 2, 2, 0, include);
            data.Add(3, 7, 7, 3, 3, 2, 2, 1, include);
            data.Add(2, 9, 11, 3, 3, 1, 1, 1, include);
            data.Add(1, 9, 11, 2, 3, 2, 1, 1, include);
            data.Add(2, 5, 7, 5, 5, 3, 3, 2, include);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(PoolWindows.All), MemberType = typeof(PoolWindows))]
    public void Ceil_mode_and_per_side_padding_match_the_reference_and_finite_differences(string window)
    {
        var g = PoolWindows.Parse(window);
        foreach (bool include in new[] { true, false })
        {
            Forward_matches(g, include);
            Backward_matches(g, include);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_matches_the_reference(int c, int h, int w, int kh, int kw, int sh, int sw, int p, bool countIncludePad)
        => Forward_matches(new Pool2DGeometry(c, h, w, kh, kw, sh, sw, p, p), countIncludePad);

    private static void Forward_matches(Pool2DGeometry g, bool countIncludePad)
    {
        const int batch = 2;
        var x = TestData.Uniform(1, batch * g.InputLength);
        var y = new float[batch * g.OutputLength];
        AvgPool2DOp.Forward(g, batch, x, y, countIncludePad);
        Parity.AssertClose("y", y, ReferenceOps.AvgPoolForward(g, batch, TestData.ToDouble(x), countIncludePad));
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Backward_matches_finite_differences_and_accumulates(int c, int h, int w, int kh, int kw, int sh, int sw, int p, bool countIncludePad)
        => Backward_matches(new Pool2DGeometry(c, h, w, kh, kw, sh, sw, p, p), countIncludePad);

    private static void Backward_matches(Pool2DGeometry g, bool countIncludePad)
    {
        const int batch = 2;
        var x = TestData.Uniform(1, batch * g.InputLength);
        var r = TestData.Uniform(2, batch * g.OutputLength);
        var dx = TestData.Uniform(3, x.Length); var dx0 = TestData.ToDouble(dx);
        AvgPool2DOp.Backward(g, batch, r, dx, countIncludePad);
        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, xd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, ReferenceOps.AvgPoolForward(g, batch, xd, countIncludePad)), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [Fact]
    public void Count_include_pad_changes_only_the_border_divisor()
    {
        var g = Pool2DGeometry.Square(1, 2, 2, 3, 1, 1);   // 3x3 window, stride 1, pad 1 on a 2x2 of ones
        var x = new float[] { 1, 1, 1, 1 };
        var incl = new float[4]; var excl = new float[4];
        AvgPool2DOp.Forward(g, 1, x, incl, true);
        AvgPool2DOp.Forward(g, 1, x, excl, false);
        Assert.All(incl, v => Assert.Equal(4f / 9f, v, 6));   // 4 real ones / 9
        Assert.All(excl, v => Assert.Equal(1f, v, 6));        // 4 real ones / 4
    }
}
