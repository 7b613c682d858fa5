using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

public class MaxPool2DOpTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Geometries() => new()
    {
        // C, H, W, KH, KW, SH, SW, P(H=W)
        { 2, 8, 8, 2, 2, 2, 2, 0 },     // LeNet S2
        { 3, 7, 7, 3, 3, 2, 2, 1 },     // ResNet-style 3/2/1
        { 2, 9, 11, 3, 3, 1, 1, 1 },    // overlapping, stride 1
        { 1, 9, 11, 2, 3, 2, 1, 0 },    // non-square window
        { 2, 5, 7, 5, 5, 3, 3, 2 },     // pad = k/2
        { 3, 13, 13, 3, 3, 2, 2, 0 },   // AlexNet-style overlapping
    };

    private static Pool2DGeometry G(int c, int h, int w, int kh, int kw, int sh, int sw, int p) => new(c, h, w, kh, kw, sh, sw, p, p);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_matches_the_reference_values_and_argmax(int c, int h, int w, int kh, int kw, int sh, int sw, int p)
    {
        var g = G(c, h, w, kh, kw, sh, sw, p);
        const int batch = 2;
        var x = TestData.Distinct(1, batch * g.InputLength);
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        var (ry, ram) = ReferenceOps.MaxPoolForward(g, batch, TestData.ToDouble(x));
        Parity.AssertClose("y", y, ry);
        Assert.Equal(ram, am);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Backward_matches_finite_differences_and_accumulates(int c, int h, int w, int kh, int kw, int sh, int sw, int p)
    {
        var g = G(c, h, w, kh, kw, sh, sw, p);
        const int batch = 2;
        var x = TestData.Distinct(2, batch * g.InputLength);   // distinct values, ≥ 0.01 apart: no ties within h
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        var r = TestData.Uniform(3, y.Length);
        var dx = TestData.Uniform(4, x.Length); var dx0 = TestData.ToDouble(dx);
        MaxPool2DOp.Backward(g, batch, r, am, dx);

        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, xd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, ReferenceOps.MaxPoolForward(g, batch, xd).y), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [Fact]
    public void Bad_geometry_and_lengths_throw()
    {
        var e = Assert.Throws<ArgumentException>(() => MaxPool2DOp.Forward(Pool2DGeometry.Square(1, 4, 4, 2, 2, 2), 1, new float[16], new float[9], new int[9]));
        Assert.Contains("half", e.Message);
        e = Assert.Throws<ArgumentException>(() => MaxPool2DOp.Forward(Pool2DGeometry.Square(1, 4, 4, 2), 1, new float[16], new float[4], new int[3]));
        Assert.Contains("argmax", e.Message);
    }
}
