using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Losses;

public class SoftmaxCrossEntropyOpTests
{
    [Theory]
    [InlineData(4, 10, 1f)]
    [InlineData(3, 2, 5f)]
    [InlineData(2, 7, 1000f)]   // very large logits must stay finite (log-sum-exp with the max subtracted)
    public void Loss_and_gradient_match_the_reference_and_finite_differences(int batch, int classes, float magnitude)
    {
        var logits = TestData.Uniform(1, batch * classes, -magnitude, magnitude);
        var labels = Enumerable.Range(0, batch).Select(n => (n * 3 + 1) % classes).ToArray();
        var d = new float[logits.Length];
        const float scale = 0.25f;
        double loss = SoftmaxCrossEntropyOp.ForwardBackward(batch, classes, logits, labels, d, scale);

        var ld = TestData.ToDouble(logits);
        double expected = ReferenceOps.SoftmaxCrossEntropy(batch, classes, ld, labels);
        Assert.True(double.IsFinite(loss));
        Assert.Equal(expected, loss, Parity.Tolerance * Math.Max(1, Math.Abs(expected)));
        Assert.All(d, v => Assert.True(float.IsFinite(v)));

        var idx = Enumerable.Range(0, ld.Length).ToArray();
        // The loss is smooth; for logits ±1000 the softmax is saturated and the FD stays exact in double.
        var num = FiniteDifferences.Gradient(() => scale * ReferenceOps.SoftmaxCrossEntropy(batch, classes, ld, labels), ld, idx);
        FiniteDifferences.AssertClose("dlogits", d, num, idx);
    }

    [Fact]
    public void Gradient_is_assigned_not_accumulated()
    {
        var d = Enumerable.Repeat(123f, 6).ToArray();
        SoftmaxCrossEntropyOp.ForwardBackward(2, 3, new float[6], [0, 2], d, 1f);
        Assert.Equal(new[] { -2f / 3, 1f / 3, 1f / 3, 1f / 3, 1f / 3, -2f / 3 }, d, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void Softmax_matches_the_reference_and_rows_sum_to_one()
    {
        var logits = TestData.Uniform(2, 3 * 10, -50, 50);
        var p = new float[logits.Length];
        SoftmaxCrossEntropyOp.Softmax(3, 10, logits, p);
        Parity.AssertClose("p", p, ReferenceOps.Softmax(3, 10, TestData.ToDouble(logits)));
        for (int n = 0; n < 3; n++) Assert.Equal(1.0, p.Skip(n * 10).Take(10).Sum(v => (double)v), 1e-5);
    }

    [Fact]
    public void Label_outside_the_classes_throws_naming_row_and_label()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropyOp.ForwardBackward(2, 3, new float[6], [1, 3], new float[6], 1f));
        Assert.Contains("row 1", e.Message);
        Assert.Contains("label 3", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropyOp.ForwardBackward(1, 3, new float[3], [-1], new float[3], 1f));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float v) => 0;
    }
}
