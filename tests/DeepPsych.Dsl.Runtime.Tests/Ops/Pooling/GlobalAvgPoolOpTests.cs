using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

public class GlobalAvgPoolOpTests
{
    [Theory]
    [InlineData(2, 3, 49)]
    [InlineData(1, 5, 7)]
    [InlineData(3, 2, 1)]
    public void Forward_and_backward_match_the_reference_and_finite_differences(int batch, int channels, int spatial)
    {
        var x = TestData.Uniform(1, batch * channels * spatial);
        var y = new float[batch * channels];
        GlobalAvgPoolOp.Forward(batch, channels, spatial, x, y);
        var xd = TestData.ToDouble(x);
        Parity.AssertClose("y", y, ReferenceOps.GlobalAvgPoolForward(batch, channels, spatial, xd));

        var r = TestData.Uniform(2, y.Length); var rd = TestData.ToDouble(r);
        var dx = TestData.Uniform(3, x.Length); var dx0 = TestData.ToDouble(dx);
        GlobalAvgPoolOp.Backward(batch, channels, spatial, r, dx);
        var idx = Enumerable.Range(0, x.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, ReferenceOps.GlobalAvgPoolForward(batch, channels, spatial, xd)), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [Fact]
    public void Wrong_lengths_throw()
    {
        var e = Assert.Throws<ArgumentException>(() => GlobalAvgPoolOp.Forward(2, 3, 4, new float[24], new float[5]));
        Assert.Contains("GlobalAvgPoolOp.Forward", e.Message);
    }
}
