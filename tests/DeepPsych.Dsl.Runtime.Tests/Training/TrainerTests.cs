using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class TrainerTests
{
    private static readonly string[] s_classes = ["left", "middle", "right"];

    /// <summary>Three Gaussian blobs in 4-D, <paramref name="count"/> samples, seeded.</summary>
    internal static Dataset Blobs(int count, int seed)
    {
        var random = new Random(seed);
        var images = new float[count * 4];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % 3;
            labels[i] = c;
            for (int f = 0; f < 4; f++)
                images[i * 4 + f] = (f == c ? 2f : 0f) + (f == 3 ? c - 1f : 0f) + (float)(random.NextDouble() - 0.5) * 1.5f;
        }
        return new Dataset(images, labels, [4], s_classes, $"blobs-{seed}");
    }

    private static (SoftmaxRegression Net, TrainingHistory History) Train(int seed, TrainerOptions? options = null, ILearningRateSchedule? schedule = null,
        Optimizer? optimizer = null)
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var trainer = new Trainer(net, optimizer ?? new Sgd(0.05f, momentum: 0.9f), schedule,
            options ?? new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = seed });
        return (net, trainer.Fit(Blobs(300, 1), Blobs(90, 2)));
    }

    [Fact]
    public void Learns_a_separable_problem()
    {
        var (_, history) = Train(seed: 1);
        Assert.Equal(3, history.Epochs.Count);
        var last = history.Epochs[^1];
        Assert.True(last.ValAccuracy > 0.9, $"test accuracy {last.ValAccuracy}");
        Assert.True(last.TrainLoss < history.Epochs[0].TrainLoss);
        Assert.Equal(3 * 19, last.Steps); // ceil(300 / 16) = 19 batches per epoch
        Assert.True(last.ImagesPerSecond > 0);
        Assert.Equal(90, last.Validation!.ConfusionMatrix.Sum(r => r.Sum()));
        Assert.Equal(s_classes, last.Validation.ClassNames);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights_bit_for_bit()
    {
        var a = Train(seed: 11).Net.Parameters;
        var b = Train(seed: 11).Net.Parameters;
        Assert.Equal(a, b); // exact float equality
        var noPrefetch = Train(seed: 11, new TrainerOptions { Epochs = 3, BatchSize = 16, Seed = 11, Prefetch = false }).Net.Parameters;
        Assert.Equal(a, noPrefetch);
        Assert.NotEqual(a, Train(seed: 12).Net.Parameters);
    }

    [Fact]
    public void Resuming_from_a_checkpoint_matches_an_uninterrupted_run()
    {
        var options = new TrainerOptions { Epochs = 2, BatchSize = 32, Seed = 3 };
        var schedule = new CosineSchedule(0.1f, TotalSteps: 20, WarmupSteps: 3);
        var (straight, _) = Train(seed: 3, options, schedule, new AdamW(0.1f));

        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var optimizer = new AdamW(0.1f);
        new Trainer(net, optimizer, schedule, new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 3 }).Fit(Blobs(300, 1));
        string path = Path.Combine(Path.GetTempPath(), $"deeppsych-resume-{Guid.NewGuid():N}.safetensors");
        try
        {
            Checkpoint.Save(net, path, optimizer);
            var resumed = new SoftmaxRegression(4, 3);
            var resumedOptimizer = new AdamW();
            Checkpoint.Load(resumed, path, resumedOptimizer);
            var history = new Trainer(resumed, resumedOptimizer, schedule, options).Fit(Blobs(300, 1), startEpoch: 1);
            Assert.Single(history.Epochs);
            Assert.Equal(straight.Parameters, resumed.Parameters);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Divergence_names_the_layer_step_and_epoch()
    {
        var net = new SoftmaxRegression(4, 3) { PoisonAtStep = 23 }; // 19 batches per epoch: epoch 2, batch 5
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(0.05f), options: new TrainerOptions { Epochs = 3, BatchSize = 16 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Blobs(300, 1)));
        Assert.Equal("Linear", e.Layer);
        Assert.Equal(23, e.Step);
        Assert.Equal(1, e.Epoch);
        Assert.Equal(4, e.Batch);
        Assert.Contains("layer 'Linear'", e.Message);
        Assert.Contains("step 23", e.Message);
        Assert.Contains("epoch 2", e.Message);
    }

    [Fact]
    public void Divergence_falls_back_to_the_first_non_finite_gradient()
    {
        var net = new SoftmaxRegression(4, 3) { PoisonAtStep = 2, ReportsLayer = false };
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(0.05f), options: new TrainerOptions { BatchSize = 16 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Blobs(300, 1)));
        Assert.Equal("Linear.weight", e.Layer);
        Assert.Contains("gradient of parameter tensor 'Linear.weight'", e.Message);
    }

    [Fact]
    public void A_huge_learning_rate_is_caught_in_the_parameters()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(float.MaxValue), options: new TrainerOptions { BatchSize = 16 });
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(Blobs(300, 1)));
        // The first step is finite; the huge weights then overflow the loss (softmax of the label rounds to 0).
        Assert.Contains("NaN or ±∞", e.Message);
        Assert.True(e.Step >= 1);
    }

    [Fact]
    public void Early_stopping_stops_after_patience_epochs_without_improvement()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(0f), options: new TrainerOptions { Epochs = 10, BatchSize = 50 }); // lr 0: never improves
        var stopping = new EarlyStopping(patience: 2);
        trainer.Callbacks.Add(stopping);
        var history = trainer.Fit(Blobs(100, 1), Blobs(30, 2));
        Assert.Equal(3, history.Epochs.Count); // best at epoch 0, then 2 epochs without improvement
        Assert.True(history.StoppedEarly);
        Assert.Contains("early stopping", history.StopReason);
        Assert.Equal(0, stopping.BestEpoch);
    }

    [Fact]
    public void Early_stopping_on_validation_metrics_needs_a_validation_set()
    {
        var net = new SoftmaxRegression(4, 3);
        var trainer = new Trainer(net, new Sgd(0.1f), options: new TrainerOptions { BatchSize = 50 });
        trainer.Callbacks.Add(new EarlyStopping(1, MonitoredMetric.ValAccuracy));
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(Blobs(100, 1)));
        Assert.Contains("no validation set", e.Message);
    }

    private sealed class Recorder : ITrainingCallback
    {
        public List<BatchEndInfo> Batches { get; } = [];
        public List<int> Epochs { get; } = [];
        public void OnBatchEnd(in BatchEndInfo batch) => Batches.Add(batch);
        public void OnEpochEnd(EpochEndContext context) => Epochs.Add(context.Epoch);
    }

    [Fact]
    public void Callbacks_see_every_step_with_the_scheduled_learning_rate_and_clipped_norm()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var schedule = new StepSchedule(0.1f, StepSize: 5, Gamma: 0.5f);
        var trainer = new Trainer(net, new Sgd(1f), schedule, new TrainerOptions { Epochs = 2, BatchSize = 25, ClipGradientNorm = 1e-3f });
        var recorder = new Recorder();
        trainer.Callbacks.Add(recorder);
        trainer.Fit(Blobs(100, 1));
        Assert.Equal([0, 1], recorder.Epochs);
        Assert.Equal(8, recorder.Batches.Count);
        for (int i = 0; i < 8; i++)
        {
            Assert.Equal(i + 1, recorder.Batches[i].Step);
            Assert.Equal(schedule.LearningRate(i), recorder.Batches[i].LearningRate);
            Assert.True(recorder.Batches[i].GradientNorm > 1e-3f); // the norm before clipping
        }
        Assert.Equal((0, 3, 4), (recorder.Batches[3].Epoch, recorder.Batches[3].Batch, recorder.Batches[3].BatchesPerEpoch));
    }

    [Fact]
    public void Logging_callback_writes_batch_and_epoch_lines()
    {
        var net = new SoftmaxRegression(4, 3);
        var writer = new StringWriter();
        var trainer = new Trainer(net, new Sgd(0.1f), options: new TrainerOptions { Epochs = 1, BatchSize = 10 });
        trainer.Callbacks.Add(new LoggingCallback(writer, every: 5));
        trainer.Fit(Blobs(100, 1), Blobs(30, 2));
        string log = writer.ToString();
        Assert.Contains("epoch 1 batch 5/10", log);
        Assert.Contains("epoch 1/1  loss ", log);
        Assert.Contains("  accuracy ", log);
        Assert.Contains("val_loss", log);
        Assert.Contains("val_accuracy", log);
        Assert.DoesNotContain("test", log); // "test" is for the final test set, not the per-epoch held-out set
    }

    /// <summary>y = 2·x0 − x1 + 0.5 (+ small noise), 4 features of which 2 matter.</summary>
    internal static RegressionDataset Line(int count, int seed)
    {
        var random = new Random(seed);
        var inputs = new float[count * 4];
        var targets = new float[count];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < 4; f++) inputs[i * 4 + f] = (float)(random.NextDouble() * 2 - 1);
            targets[i] = 2 * inputs[i * 4] - inputs[i * 4 + 1] + 0.5f + (float)(random.NextDouble() - 0.5) * 0.01f;
        }
        return new RegressionDataset(inputs, targets, [4], 1, $"line-{seed}");
    }

    [Fact]
    public void Regression_networks_train_on_float_targets_and_report_loss_without_accuracy()
    {
        var net = new SoftmaxRegression(4, 1) { Loss = Loss.MeanSquaredError };
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(0.1f, momentum: 0.9f), options: new TrainerOptions { Epochs = 5, BatchSize = 16, Seed = 1, Verbose = false });
        var history = trainer.Fit(Line(400, 1), Line(100, 2));
        var last = history.Epochs[^1];
        Assert.True(last.ValLoss < 1e-3, $"val_loss {last.ValLoss}");
        Assert.True(last.ValLoss < history.Epochs[0].ValLoss);
        Assert.Null(last.TrainAccuracy);
        Assert.Null(last.ValAccuracy);
        Assert.True(last.Validation!.MeanAbsoluteError < 0.05);
        // The learned line: weights near (2, −1, 0, 0), bias near 0.5.
        Assert.Equal(2f, net.Parameters[0], 0.05f);
        Assert.Equal(-1f, net.Parameters[1], 0.05f);
        Assert.Equal(0.5f, net.Parameters[4], 0.05f);

        // The evaluator's MSE is the mean over every output, computed independently here in double.
        var data = Line(50, 3);
        var predictions = net.Predict(data);
        double mse = 0;
        for (int i = 0; i < data.Count; i++) mse += Math.Pow((double)predictions[i] - data.Targets[i], 2);
        Assert.Equal(mse / data.Count, trainer.Evaluate(data).Loss, 9);
    }

    [Fact]
    public void Labels_for_a_regression_network_and_targets_for_a_classifier_are_refused_with_the_fix()
    {
        var regression = new SoftmaxRegression(4, 1) { Loss = Loss.MeanSquaredError };
        var e = Assert.Throws<ArgumentException>(() => new Trainer(regression, new Sgd(0.1f)).Fit(Blobs(10, 1)));
        Assert.Contains("class labels", e.Message);
        Assert.Contains("RegressionDataset", e.Message);
        var classifier = new SoftmaxRegression(4, 3);
        e = Assert.Throws<ArgumentException>(() => new Trainer(classifier, new Sgd(0.1f)).Fit(Line(10, 1)));
        Assert.Contains("regression targets", e.Message);
    }

    [Fact]
    public void Without_callbacks_the_trainer_prints_one_line_per_epoch()
    {
        var writer = new StringWriter();
        var trainer = new Trainer(new SoftmaxRegression(4, 3), new Sgd(0.1f), options: new TrainerOptions { Epochs = 2, BatchSize = 50, ReportWriter = writer });
        trainer.Fit(Blobs(100, 1), Blobs(30, 2));
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("epoch 1/2  loss ", lines[0]);
        Assert.Contains("val_accuracy", lines[1]);

        var quiet = new StringWriter();
        var withCallback = new Trainer(new SoftmaxRegression(4, 3), new Sgd(0.1f), options: new TrainerOptions { Epochs = 1, BatchSize = 50, ReportWriter = quiet });
        withCallback.Callbacks.Add(new Recorder());
        withCallback.Fit(Blobs(100, 1));
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void Data_of_the_wrong_shape_is_refused()
    {
        var trainer = new Trainer(new SoftmaxRegression(5, 3), new Sgd(0.1f));
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(Blobs(10, 1)));
        Assert.Contains("takes 5", e.Message);
    }

    [Data.FashionMnistFact]
    public void Softmax_regression_learns_fashion_mnist()
    {
        var (train, test) = FashionMnist.Load(trainLimit: 10_000, testLimit: 2_000);
        var net = new SoftmaxRegression(784, 10);
        var trainer = new Trainer(net, new Sgd(0.05f, momentum: 0.9f), options: new TrainerOptions { Epochs = 1, BatchSize = 64, Seed = 1 });
        var history = trainer.Fit(train, test);
        Assert.True(history.Epochs[0].ValAccuracy > 0.75, $"test accuracy {history.Epochs[0].ValAccuracy}");
        Assert.Equal(FashionMnist.ClassNames, history.Epochs[0].Validation!.ClassNames);
    }
}
