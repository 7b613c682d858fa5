using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class TrainingHistoryTests
{
    [Fact]
    public void Round_trips_through_json()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(1);
        var history = new Trainer(net, new Sgd(0.1f, momentum: 0.9f), options: new TrainerOptions { Epochs = 2, BatchSize = 20, Seed = 9 })
            .Fit(TrainerTests.Blobs(60, 1), TrainerTests.Blobs(30, 2));

        string json = history.ToJson();
        Assert.Contains("\"trainLoss\"", json);
        Assert.Contains("\"imagesPerSecond\"", json);
        Assert.Contains("\"confusionMatrix\"", json);
        Assert.Contains("SGD(lr=0.1, momentum=0.9", json);

        var back = TrainingHistory.FromJson(json);
        Assert.Equal(history.Network, back.Network);
        Assert.Equal(9, back.Seed);
        Assert.Equal(2, back.Epochs.Count);
        Assert.Equal(history.Epochs[1].TrainLoss, back.Epochs[1].TrainLoss);
        Assert.Equal(history.Epochs[1].ValAccuracy, back.Epochs[1].ValAccuracy);
        Assert.Equal(history.Epochs[1].Validation!.ConfusionMatrix, back.Epochs[1].Validation!.ConfusionMatrix);
        Assert.False(back.StoppedEarly);
    }

    [Fact]
    public void Nan_values_are_written_as_strings()
    {
        var history = new TrainingHistory { Epochs = [new EpochMetrics { TrainLoss = double.NaN }] };
        string json = history.ToJson();
        Assert.Contains("\"NaN\"", json);
        Assert.True(double.IsNaN(TrainingHistory.FromJson(json).Epochs[0].TrainLoss));
    }

    [Fact]
    public void Saves_metrics_json()
    {
        string path = Path.Combine(Path.GetTempPath(), $"deeppsych-metrics-{Guid.NewGuid():N}.json");
        try
        {
            new TrainingHistory { Network = "X", StopReason = "because" }.Save(path);
            var back = TrainingHistory.Load(path);
            Assert.Equal("X", back.Network);
            Assert.Equal("because", back.StopReason);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
