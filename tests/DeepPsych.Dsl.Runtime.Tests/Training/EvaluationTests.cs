using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class EvaluationTests
{
    [Fact]
    public void Metrics_by_hand()
    {
        // Identity weights on 3 features: the logits are the inputs, so the prediction is the arg-max feature.
        var net = new SoftmaxRegression(3, 3);
        net.ParameterTensors[0].Values.Clear();
        for (int c = 0; c < 3; c++) net.ParameterTensors[0].Values[c * 3 + c] = 1f;
        float[] x =
        [
            5, 0, 0,   // label 0, predicted 0
            0, 5, 0,   // label 1, predicted 1
            5, 0, 0,   // label 1, predicted 0
            0, 0, 5,   // label 2, predicted 2
        ];
        var data = new Dataset(x, [0, 1, 1, 2], [3], ["a", "b", "c"]);
        var result = Evaluator.Evaluate(net, data, batchSize: 3); // two batches: 3 + 1

        Assert.Equal(0.75, result.Accuracy);
        Assert.Equal([1.0, 0.5, 1.0], result.PerClassAccuracy);
        Assert.Equal([1, 0, 0], result.ConfusionMatrix[0]);
        Assert.Equal([1, 1, 0], result.ConfusionMatrix[1]);
        Assert.Equal([0, 0, 1], result.ConfusionMatrix[2]);
        // cross-entropy of logits (5, 0, 0): right class log(e^5 + 2) − 5, wrong class log(e^5 + 2)
        double right = Math.Log(Math.Exp(5) + 2) - 5, wrong = Math.Log(Math.Exp(5) + 2);
        Assert.Equal((3 * right + wrong) / 4, result.Loss, 6);
        Assert.Contains("recall", result.FormatConfusionMatrix());
    }

    [Fact]
    public void Cross_entropy_is_stable_for_large_logits()
    {
        Assert.Equal(0, Evaluator.CrossEntropy([1000f, 0f], 0), 9);
        Assert.Equal(1000, Evaluator.CrossEntropy([1000f, 0f], 1), 6);
    }

    [Fact]
    public void Classes_without_samples_have_nan_accuracy()
    {
        var net = new SoftmaxRegression(3, 3);
        var result = Evaluator.Evaluate(net, new Dataset(new float[3], [0], [3], ["a", "b", "c"]));
        Assert.True(double.IsNaN(result.PerClassAccuracy[1]));
    }
}
