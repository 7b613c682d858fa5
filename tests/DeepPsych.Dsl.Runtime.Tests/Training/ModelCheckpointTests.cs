using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class ModelCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Saves_last_every_epoch_and_best_when_the_metric_improves()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var optimizer = new Sgd(0.05f, momentum: 0.9f);
        var trainer = new Trainer(net, optimizer, options: new TrainerOptions { Epochs = 3, BatchSize = 25, Seed = 1 });
        var checkpoints = new ModelCheckpoint(_dir, MonitoredMetric.ValAccuracy, prefix: "m-", saveOptimizerState: true);
        var afterEpoch = new List<float[]>();
        trainer.Callbacks.Add(checkpoints);
        trainer.Callbacks.Add(new Capture(afterEpoch));
        var history = trainer.Fit(TrainerTests.Blobs(300, 1), TrainerTests.Blobs(90, 2));

        // last = the final weights, weights only (loads strictly with no optimizer tensors in it)
        using (var last = SafeTensors.Open(checkpoints.LastPath))
        {
            Assert.Equal(["Linear.weight", "Linear.bias"], last.Tensors.Select(t => t.Name));
            Assert.Equal("3", last.Metadata["epoch"]);
        }
        var loaded = new SoftmaxRegression(4, 3);
        Checkpoint.Load(loaded, checkpoints.LastPath);
        Assert.Equal(net.Parameters, loaded.Parameters);

        // best = the weights after the epoch with the highest val_accuracy (the first such epoch on ties)
        int best = history.Epochs.Select((e, i) => (e.ValAccuracy!.Value, i)).Aggregate((a, b) => b.Value > a.Value ? b : a).i;
        Assert.Equal(best, checkpoints.BestEpoch);
        Checkpoint.Load(loaded, checkpoints.BestPath);
        Assert.Equal(afterEpoch[best], loaded.Parameters);

        // the optimizer file resumes: it restores the optimizer's step count and momentum
        var resumed = new Sgd(0.05f, momentum: 0.9f);
        Checkpoint.Load(new SoftmaxRegression(4, 3), checkpoints.LastPath, resumed);
        Assert.Equal(optimizer.StepCount, resumed.StepCount);
    }

    private sealed class Capture(List<float[]> into) : ITrainingCallback
    {
        public void OnEpochEnd(EpochEndContext context) => into.Add((float[])context.Trainer.Network.Parameters.Clone());
    }
}
