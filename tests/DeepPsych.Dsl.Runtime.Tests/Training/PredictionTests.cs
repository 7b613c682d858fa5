using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class PredictionTests
{
    [Fact]
    public void Predict_matches_forward_and_probabilities_are_a_softmax_of_it()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(7);
        var data = TrainerTests.Blobs(10, 1);
        var expected = new float[10 * 3];
        net.Forward(data.Images, expected, 10);

        Assert.Equal(expected, net.Predict(data.Images, batchSize: 3));   // 3 + 3 + 3 + 1
        Assert.Equal(expected, net.Predict(data, batchSize: 4));          // through the data set interface

        var probabilities = net.PredictProbabilities(data);
        var classes = net.PredictClasses(data.Images);
        for (int n = 0; n < 10; n++)
        {
            // reference softmax in double
            var z = expected.AsSpan(n * 3, 3).ToArray();
            double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
            for (int c = 0; c < 3; c++) Assert.Equal(Math.Exp(z[c] - max) / sum, probabilities[n * 3 + c], 6);
            Assert.Equal(Array.IndexOf(z, z.Max()), classes[n]);
        }
    }

    [Fact]
    public void Probabilities_of_a_regression_network_are_refused_and_partial_samples_are_named()
    {
        var regression = new SoftmaxRegression(4, 1) { Loss = Loss.MeanSquaredError };
        var e = Assert.Throws<InvalidOperationException>(() => regression.PredictProbabilities(new float[8]));
        Assert.Contains("Use Predict", e.Message);
        var partial = Assert.Throws<ArgumentException>(() => regression.Predict(new float[6]));
        Assert.Contains("takes 4 floats", partial.Message);
    }
}
