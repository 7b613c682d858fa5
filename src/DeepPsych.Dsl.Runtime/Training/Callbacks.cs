namespace DeepPsych.Dsl.Training;

/// <summary>What a trainer reports after each optimizer step. A value type passed by reference: reporting allocates nothing.</summary>
/// <param name="Epoch">Epoch index (0-based; print <c>Epoch + 1</c>).</param>
/// <param name="Batch">Batch index within the epoch (0-based).</param>
/// <param name="BatchesPerEpoch">Batches in the epoch.</param>
/// <param name="Step">Optimizer steps taken so far, this one included.</param>
/// <param name="Loss">Mean training loss of the batch.</param>
/// <param name="LearningRate">Learning rate used for this step.</param>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping (NaN when clipping by norm is off).</param>
/// <param name="Samples">Samples in the batch.</param>
/// <param name="Correct">Samples of the batch whose training-mode prediction was right (for a running accuracy); −1 for regression.</param>
/// <param name="TotalEpochs">Epochs the trainer was asked to run.</param>
public readonly record struct BatchEndInfo(int Epoch, int Batch, int BatchesPerEpoch, long Step, float Loss, float LearningRate, float GradientNorm, int Samples, int Correct, int TotalEpochs);

/// <summary>What a trainer reports after each epoch, and the place where a callback can stop training.</summary>
public sealed class EpochEndContext
{
    internal EpochEndContext(EpochMetrics metrics, TrainingHistory history, int totalEpochs, Trainer trainer)
    {
        Metrics = metrics;
        History = history;
        TotalEpochs = totalEpochs;
        Trainer = trainer;
    }

    /// <summary>The epoch just finished (0-based; <see cref="EpochMetrics.Number"/> is 1-based).</summary>
    public int Epoch => Metrics.Epoch;
    /// <summary>Epochs the trainer was asked to run.</summary>
    public int TotalEpochs { get; }
    /// <summary>Metrics of the epoch just finished (also the last entry of <see cref="History"/>).</summary>
    public EpochMetrics Metrics { get; }
    /// <summary>All epochs so far.</summary>
    public TrainingHistory History { get; }
    /// <summary>The trainer: its network, optimizer and learning rate.</summary>
    public Trainer Trainer { get; }
    /// <summary>Whether a callback asked to stop; the trainer stops after all callbacks have seen this epoch.</summary>
    public bool StopRequested => StopReason is not null;
    /// <summary>Why training is to stop, when a callback asked.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Asks the trainer to stop after this epoch; the first reason given is kept.</summary>
    public void Stop(string reason) => StopReason ??= reason;
}

/// <summary>Hooks into a <see cref="Trainer"/>: logging, progress bars, early stopping, checkpoints (Keras' <c>Callback</c>).
/// Every method has an empty default.</summary>
public interface ITrainingCallback
{
    /// <summary>Called after every optimizer step, on the training thread. Keep it cheap.</summary>
    void OnBatchEnd(in BatchEndInfo batch) { }

    /// <summary>Called before the validation pass of each epoch (Keras' <c>on_test_begin</c>).</summary>
    void OnValidationBegin(Trainer trainer) { }

    /// <summary>Called after the validation pass of each epoch, also when it failed.</summary>
    void OnValidationEnd(Trainer trainer) { }

    /// <summary>Called after every epoch, once the validation is done. Call <see cref="EpochEndContext.Stop"/> to stop training.</summary>
    void OnEpochEnd(EpochEndContext context) { }

    /// <summary>Called once when <see cref="Trainer.Fit"/> finishes normally (all epochs, or stopped by a callback).</summary>
    void OnTrainEnd(TrainingHistory history, Trainer trainer) { }
}

/// <summary>Writes a line every <see cref="Every"/> batches and a summary line per epoch, named as in Keras
/// (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>). The trainer's default report.</summary>
public sealed class LoggingCallback(TextWriter writer, int every = 100) : ITrainingCallback
{
    /// <summary>Batches between batch lines (0 = only epoch lines).</summary>
    public int Every { get; } = every;

    /// <inheritdoc/>
    public void OnBatchEnd(in BatchEndInfo batch)
    {
        if (Every <= 0 || (batch.Batch + 1) % Every != 0) return;
        writer.WriteLine($"epoch {batch.Epoch + 1} batch {batch.Batch + 1}/{batch.BatchesPerEpoch}  loss {batch.Loss:F4}  lr {batch.LearningRate:G4}" +
            (float.IsNaN(batch.GradientNorm) ? "" : $"  |g| {batch.GradientNorm:G4}"));
    }

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        var m = context.Metrics;
        var line = new System.Text.StringBuilder($"epoch {m.Number}/{context.TotalEpochs}  loss {m.TrainLoss:F4}");
        if (m.TrainAccuracy is { } a) line.Append($"  accuracy {a:P2}");
        if (m.ValLoss is { } vl) line.Append($"  val_loss {vl:F4}");
        if (m.ValAccuracy is { } va) line.Append($"  val_accuracy {va:P2}");
        line.Append($"  {m.Seconds:F1} s  {m.ImagesPerSecond:N0} samples/s");
        writer.WriteLine(line.ToString());
        writer.Flush();
    }
}

/// <summary>The metric a callback watches: Keras' <c>monitor</c>.</summary>
public enum MonitoredMetric
{
    /// <summary>Validation loss (<c>val_loss</c>); lower is better.</summary>
    ValLoss,
    /// <summary>Validation accuracy (<c>val_accuracy</c>); higher is better.</summary>
    ValAccuracy,
    /// <summary>Training loss (<c>loss</c>); lower is better.</summary>
    TrainLoss,
    /// <summary>Training accuracy (<c>accuracy</c>); higher is better.</summary>
    TrainAccuracy,
}

/// <summary>Tracks the best value of a <see cref="MonitoredMetric"/> over epochs: the one place that knows each metric's
/// name, where it is read from, and which direction is better. Shared by every callback that watches a metric.</summary>
public sealed class MetricTracker(MonitoredMetric metric, double minDelta = 0)
{
    /// <summary>The metric watched.</summary>
    public MonitoredMetric Metric { get; } = metric;
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; } = minDelta;
    /// <summary>The best value seen, or NaN.</summary>
    public double Best { get; private set; } = double.NaN;
    /// <summary>The epoch (0-based) of the best value, or −1.</summary>
    public int BestEpoch { get; private set; } = -1;
    /// <summary>Epochs since the best one.</summary>
    public int EpochsWithoutImprovement { get; private set; }
    /// <summary>Whether a larger value is better.</summary>
    public bool HigherIsBetter => Metric is MonitoredMetric.ValAccuracy or MonitoredMetric.TrainAccuracy;
    /// <summary>The name Keras and the logs use: <c>val_loss</c>, <c>val_accuracy</c>, <c>loss</c>, <c>accuracy</c>.</summary>
    public string Name => Metric switch
    {
        MonitoredMetric.ValLoss => "val_loss",
        MonitoredMetric.ValAccuracy => "val_accuracy",
        MonitoredMetric.TrainLoss => "loss",
        _ => "accuracy",
    };

    /// <summary>The watched value in <paramref name="m"/>.</summary>
    /// <exception cref="InvalidOperationException">The epoch has no such value (no validation set, or accuracy of a regression).</exception>
    public double ValueOf(EpochMetrics m)
    {
        double? value = Metric switch
        {
            MonitoredMetric.ValLoss => m.ValLoss,
            MonitoredMetric.ValAccuracy => m.ValAccuracy,
            MonitoredMetric.TrainLoss => m.TrainLoss,
            _ => m.TrainAccuracy,
        };
        return value ?? throw new InvalidOperationException(Metric is MonitoredMetric.ValLoss or MonitoredMetric.ValAccuracy && m.ValLoss is null
            ? $"A callback watches {Name}, but the trainer has no validation set. Pass one to Fit (e.g. from SplitValidation), or watch loss."
            : $"A callback watches {Name}, which a regression network does not have. Watch val_loss or loss.");
    }

    /// <summary>Counts epochs without improvement from zero again (after a learning-rate reduction).</summary>
    public void RestartPatience() => EpochsWithoutImprovement = 0;

    /// <summary>Records epoch <paramref name="m"/>; returns whether it improved on the best so far.</summary>
    public bool Update(EpochMetrics m)
    {
        double v = ValueOf(m);
        bool improved = BestEpoch < 0 || (HigherIsBetter ? v > Best + MinDelta : v < Best - MinDelta);
        if (improved)
        {
            Best = v;
            BestEpoch = m.Epoch;
            EpochsWithoutImprovement = 0;
        }
        else EpochsWithoutImprovement++;
        return improved;
    }
}

/// <summary>Stops training when the watched metric has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs in a row (Keras' <c>EarlyStopping</c>), optionally restoring the best weights.</summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private readonly MetricTracker _tracker;
    private readonly RestoreBestWeights? _restore;

    /// <summary>Creates the callback.</summary>
    /// <param name="patience">Epochs without improvement tolerated.</param>
    /// <param name="metric">The metric watched.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="restoreBestWeights">At the end of training, put back the weights of the best epoch (Keras' <c>restore_best_weights</c>).</param>
    public EarlyStopping(int patience, MonitoredMetric metric = MonitoredMetric.ValLoss, double minDelta = 0, bool restoreBestWeights = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        Patience = patience;
        _tracker = new MetricTracker(metric, minDelta);
        if (restoreBestWeights) _restore = new RestoreBestWeights(metric, minDelta);
    }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }
    /// <summary>The metric watched.</summary>
    public MonitoredMetric Metric => _tracker.Metric;
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta => _tracker.MinDelta;
    /// <summary>The best value seen.</summary>
    public double Best => _tracker.Best;
    /// <summary>The epoch (0-based) of the best value, or −1.</summary>
    public int BestEpoch => _tracker.BestEpoch;

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        _restore?.OnEpochEnd(context);
        if (!_tracker.Update(context.Metrics) && _tracker.EpochsWithoutImprovement >= Patience)
            context.Stop($"early stopping: {_tracker.Name} has not improved for {_tracker.EpochsWithoutImprovement} epochs (best {Best:G6} at epoch {BestEpoch + 1})");
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingHistory history, Trainer trainer) => _restore?.OnTrainEnd(history, trainer);
}

/// <summary>Keeps a copy of the weights of the best epoch and puts them back when training ends (Keras'
/// <c>restore_best_weights</c>), so the network ends as it was at its best validation figure, not at its last.</summary>
public sealed class RestoreBestWeights(MonitoredMetric metric = MonitoredMetric.ValLoss, double minDelta = 0) : ITrainingCallback
{
    private readonly MetricTracker _tracker = new(metric, minDelta);
    private float[]? _best;

    /// <summary>The epoch (0-based) whose weights are kept, or −1.</summary>
    public int BestEpoch => _tracker.BestEpoch;
    /// <summary>The best value seen.</summary>
    public double Best => _tracker.Best;

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        if (!_tracker.Update(context.Metrics)) return;
        var parameters = context.Trainer.Network.Parameters;
        _best ??= new float[parameters.Length];
        parameters.CopyTo(_best, 0);
    }

    /// <inheritdoc/>
    public void OnTrainEnd(TrainingHistory history, Trainer trainer)
    {
        if (_best is null) return;
        _best.CopyTo(trainer.Network.Parameters, 0);
        history.Settings["restored_best_weights"] = $"epoch {BestEpoch + 1} ({_tracker.Name} {Best:G6})";
    }
}

/// <summary>Lowers the learning rate by <see cref="Factor"/> when the watched metric has not improved for
/// <see cref="Patience"/> epochs (Keras' <c>ReduceLROnPlateau</c>; PyTorch's <c>ReduceLROnPlateau</c>). With a schedule,
/// the schedule's rate is scaled from then on.</summary>
public sealed class ReduceLearningRateOnPlateau : ITrainingCallback
{
    private readonly MetricTracker _tracker;
    private int _cooldownLeft;

    /// <summary>Creates the callback.</summary>
    /// <param name="metric">The metric watched.</param>
    /// <param name="factor">Multiplies the rate at each reduction, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement before a reduction.</param>
    /// <param name="minLearningRate">The rate never goes below this.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    /// <param name="cooldown">Epochs to wait after a reduction before counting again.</param>
    public ReduceLearningRateOnPlateau(MonitoredMetric metric = MonitoredMetric.ValLoss, float factor = 0.1f, int patience = 10,
        float minLearningRate = 0, double minDelta = 1e-4, int cooldown = 0)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must lie in (0, 1), e.g. 0.1 or 0.5.");
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        _tracker = new MetricTracker(metric, minDelta);
        Factor = factor;
        Patience = patience;
        MinLearningRate = minLearningRate;
        Cooldown = cooldown;
    }

    /// <summary>Multiplies the rate at each reduction.</summary>
    public float Factor { get; }
    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }
    /// <summary>The rate never goes below this.</summary>
    public float MinLearningRate { get; }
    /// <summary>Epochs to wait after a reduction.</summary>
    public int Cooldown { get; }
    /// <summary>The epochs (0-based) after which the rate was reduced.</summary>
    public List<int> Reductions { get; } = [];

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        bool improved = _tracker.Update(context.Metrics);
        if (_cooldownLeft > 0) { _cooldownLeft--; return; }
        if (improved || _tracker.EpochsWithoutImprovement < Patience) return;
        float current = context.Trainer.Optimizer.LearningRate;
        if (!(current > MinLearningRate)) return;
        float target = Math.Max(current * Factor, MinLearningRate);
        context.Trainer.ScaleLearningRate(target / current);
        Reductions.Add(context.Epoch);
        _cooldownLeft = Cooldown;
        _tracker.RestartPatience(); // count the next epochs from here, as Keras resets its wait counter
    }
}
