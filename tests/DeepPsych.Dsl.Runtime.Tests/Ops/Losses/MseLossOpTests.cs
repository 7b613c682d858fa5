using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Losses;

public class MseLossOpTests
{
    [Fact]
    public void Loss_and_gradient_match_the_reference_and_finite_differences()
    {
        var p = TestData.Uniform(1, 37, -3, 3); var t = TestData.Uniform(2, 37, -3, 3);
        var d = Enumerable.Repeat(99f, 37).ToArray();   // assignment: old contents must vanish
        const float scale = 1f / 37;
        double loss = MseLossOp.ForwardBackward(p, t, d, scale);
        double[] pd = TestData.ToDouble(p), td = TestData.ToDouble(t);
        Assert.Equal(ReferenceOps.SquaredError(pd, td), loss, 1e-9);
        var idx = Enumerable.Range(0, 37).ToArray();
        var num = FiniteDifferences.Gradient(() => scale * ReferenceOps.SquaredError(pd, td), pd, idx);
        FiniteDifferences.AssertClose("dpred", d, num, idx);
    }

    [Fact]
    public void Mismatched_lengths_throw()
        => Assert.Throws<ArgumentException>(() => MseLossOp.ForwardBackward(new float[3], new float[2], new float[3], 1f));
}
