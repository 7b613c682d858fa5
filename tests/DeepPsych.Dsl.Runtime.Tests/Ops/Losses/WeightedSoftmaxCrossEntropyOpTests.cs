using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.Losses;

public class WeightedSoftmaxCrossEntropyOpTests
{
    private const int Ignore = WeightedSoftmaxCrossEntropyOp.DefaultIgnoreIndex;
    private static readonly int[] s_labels = [2, Ignore, 0, 4, 2, Ignore, 1];
    private const int N = 7, K = 5;

    /// <summary>The mean of the op (sum / weight sum) and its gradient, with and without weights.</summary>
    [Theory, InlineData(true), InlineData(false)]
    public void Weighted_mean_and_gradient_match_the_reference_and_finite_differences(bool weighted)
    {
        var z = TestData.Uniform(1, N * K, -3f, 3f);
        float[] w = weighted ? TestData.Uniform(2, K, 0.2f, 3f) : [];
        double wsum = WeightedSoftmaxCrossEntropyOp.WeightSum(K, s_labels, w, Ignore);
        var dz = TestData.Uniform(3, z.Length);   // overwritten, including the ignored rows
        double sum = WeightedSoftmaxCrossEntropyOp.ForwardBackward(N, K, z, s_labels, w, Ignore, dz, (float)(1 / wsum));
        var zd = TestData.ToDouble(z); double[]? wd = weighted ? TestData.ToDouble(w) : null;
        double expected = WeightedCrossEntropyMean(N, K, zd, s_labels, wd, Ignore);
        Assert.True(Math.Abs(sum / wsum - expected) <= 1e-6 * Math.Max(1, expected), $"mean {sum / wsum:R} vs reference {expected:R}");
        Assert.Equal(weighted ? w[2] * 2 + w[0] + w[4] + w[1] : 5, wsum, 5);

        var idx = Enumerable.Range(0, zd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => WeightedCrossEntropyMean(N, K, zd, s_labels, wd, Ignore), zd, idx);
        FiniteDifferences.AssertClose("dz", dz, num, idx);
        for (int j = 0; j < K; j++) { Assert.Equal(0f, dz[1 * K + j]); Assert.Equal(0f, dz[5 * K + j]); }   // ignored rows
    }

    [Fact]
    public void With_unit_weights_and_no_ignored_row_it_is_the_plain_op()
    {
        var z = TestData.Uniform(4, 4 * K, -3f, 3f); int[] labels = [0, 3, 4, 1];
        var d1 = new float[z.Length]; var d2 = new float[z.Length];
        double a = SoftmaxCrossEntropyOp.ForwardBackward(4, K, z, labels, d1, 0.25f);
        double b = WeightedSoftmaxCrossEntropyOp.ForwardBackward(4, K, z, labels, [], Ignore, d2, 0.25f);
        Assert.Equal(a, b, 5);
        Parity.AssertClose("dz", d2, TestData.ToDouble(d1), 1e-6);
    }

    [Fact]
    public void A_label_out_of_range_that_is_not_the_ignore_index_is_named()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => WeightedSoftmaxCrossEntropyOp.ForwardBackward(2, K, new float[2 * K], [1, 7], [], Ignore, new float[2 * K], 1f));
        Assert.Contains("label 7 of row 1", e.Message);
    }

    [TorchFact]
    public void Matches_pytorch_cross_entropy_with_weight_and_ignore_index()
    {
        var z = TestData.Uniform(5, N * K, -3f, 3f); var w = TestData.Uniform(6, K, 0.2f, 3f);
        string output = TorchPython.Run($$"""
            z = torch.tensor({{PyList(z)}}).reshape({{N}}, {{K}}).requires_grad_(True)
            loss = torch.nn.functional.cross_entropy(z, torch.tensor({{PyList(s_labels)}}), weight=torch.tensor({{PyList(w)}}), ignore_index={{Ignore}})
            loss.backward()
            print(repr(float(loss)))
            print(" ".join(repr(float(v)) for v in z.grad.flatten()))
            """);
        var lines = output.Trim().Split('\n');
        double wsum = WeightedSoftmaxCrossEntropyOp.WeightSum(K, s_labels, w, Ignore);
        var dz = new float[z.Length];
        double mean = WeightedSoftmaxCrossEntropyOp.ForwardBackward(N, K, z, s_labels, w, Ignore, dz, (float)(1 / wsum)) / wsum;
        double torchLoss = ParseLine(lines[0])[0];
        Assert.True(Math.Abs(mean - torchLoss) <= 1e-6 * Math.Max(1, torchLoss), $"loss {mean:R} here, {torchLoss:R} in PyTorch");
        Parity.AssertClose("dz", dz, TestData.ToDouble(ParseLine(lines[1])), 1e-6);
    }
}
