using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class CallbacksTests
{
    private static Trainer NewTrainer(int epochs, ILearningRateSchedule? schedule = null, float lr = 0.05f)
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        return new Trainer(net, new Sgd(lr, momentum: 0.9f), schedule, new TrainerOptions { Epochs = epochs, BatchSize = 25, Seed = 1 });
    }

    /// <summary>Copies the parameters after every epoch.</summary>
    private sealed class Snapshots : ITrainingCallback
    {
        public List<float[]> AfterEpoch { get; } = [];
        public void OnEpochEnd(EpochEndContext context) => AfterEpoch.Add((float[])context.Trainer.Network.Parameters.Clone());
    }

    [Fact]
    public void Restore_best_weights_puts_back_the_best_epoch()
    {
        // A huge minDelta: only the first epoch counts as an improvement, so its weights are the ones restored.
        var trainer = NewTrainer(epochs: 3);
        var snapshots = new Snapshots();
        var restore = new RestoreBestWeights(MonitoredMetric.ValLoss, minDelta: 1e9);
        trainer.Callbacks.Add(snapshots);
        trainer.Callbacks.Add(restore);
        var history = trainer.Fit(TrainerTests.Blobs(300, 1), TrainerTests.Blobs(90, 2));
        Assert.Equal(0, restore.BestEpoch);
        Assert.NotEqual(snapshots.AfterEpoch[2], snapshots.AfterEpoch[0]);
        Assert.Equal(snapshots.AfterEpoch[0], trainer.Network.Parameters);
        Assert.Contains("epoch 1", history.Settings["restored_best_weights"]);
    }

    [Fact]
    public void Early_stopping_can_restore_the_best_weights()
    {
        var trainer = NewTrainer(epochs: 10);
        var snapshots = new Snapshots();
        trainer.Callbacks.Add(snapshots);
        trainer.Callbacks.Add(new EarlyStopping(patience: 2, MonitoredMetric.ValAccuracy, minDelta: 2, restoreBestWeights: true)); // accuracy never rises by 2
        var history = trainer.Fit(TrainerTests.Blobs(300, 1), TrainerTests.Blobs(90, 2));
        Assert.Equal(3, history.Epochs.Count);
        Assert.Contains("val_accuracy has not improved for 2 epochs", history.StopReason);
        Assert.Equal(snapshots.AfterEpoch[0], trainer.Network.Parameters);
    }

    [Fact]
    public void Reduce_on_plateau_scales_the_scheduled_rate_after_patience_epochs()
    {
        var schedule = new ConstantSchedule(0.05f);
        var trainer = NewTrainer(epochs: 5, schedule);
        var reduce = new ReduceLearningRateOnPlateau(MonitoredMetric.TrainLoss, factor: 0.5f, patience: 2, minDelta: 1e9);
        trainer.Callbacks.Add(reduce);
        var history = trainer.Fit(TrainerTests.Blobs(100, 1));
        // Epoch 1 is the best; epochs 2 and 3 do not improve → reduce after epoch 3; the count restarts, so again after epoch 5.
        Assert.Equal([2, 4], reduce.Reductions);
        Assert.Equal(0.05f, (float)history.Epochs[2].LearningRate);
        Assert.Equal(0.025f, (float)history.Epochs[3].LearningRate);
        Assert.Equal(0.25f, trainer.LearningRateFactor);
    }

    [Fact]
    public void Reduce_on_plateau_without_a_schedule_lowers_the_optimizer_rate_down_to_the_minimum()
    {
        var trainer = NewTrainer(epochs: 4, lr: 0.1f);
        trainer.Callbacks.Add(new ReduceLearningRateOnPlateau(MonitoredMetric.TrainLoss, factor: 0.1f, patience: 1, minLearningRate: 0.005f, minDelta: 1e9));
        var history = trainer.Fit(TrainerTests.Blobs(100, 1));
        Assert.Equal([0.1f, 0.1f, 0.1f * 0.1f, 0.005f], history.Epochs.Select(e => (float)e.LearningRate));
    }

    [Fact]
    public void Watching_validation_metrics_without_a_validation_set_says_so()
    {
        var trainer = NewTrainer(epochs: 1);
        trainer.Callbacks.Add(new RestoreBestWeights(MonitoredMetric.ValLoss));
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(TrainerTests.Blobs(100, 1)));
        Assert.Contains("watches val_loss", e.Message);
        Assert.Contains("no validation set", e.Message);
    }

    [Fact]
    public void Validation_hooks_run_around_each_validation_pass()
    {
        var trainer = NewTrainer(epochs: 2);
        var calls = new List<string>();
        trainer.Callbacks.Add(new Hooks(calls));
        trainer.Fit(TrainerTests.Blobs(50, 1), TrainerTests.Blobs(30, 2));
        Assert.Equal(["begin", "end", "epoch 1", "begin", "end", "epoch 2", "train end"], calls);
    }

    private sealed class Hooks(List<string> calls) : ITrainingCallback
    {
        public void OnValidationBegin(Trainer trainer) => calls.Add("begin");
        public void OnValidationEnd(Trainer trainer) => calls.Add("end");
        public void OnEpochEnd(EpochEndContext context) => calls.Add($"epoch {context.Metrics.Number}");
        public void OnTrainEnd(TrainingHistory history, Trainer trainer) => calls.Add("train end");
    }
}
