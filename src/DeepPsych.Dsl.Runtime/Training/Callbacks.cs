namespace DeepPsych.Dsl.Training;

/// <summary>What a trainer reports after each optimizer step. A value type passed by reference: reporting allocates nothing.</summary>
/// <param name="Epoch">Epoch index (0-based).</param>
/// <param name="Batch">Batch index within the epoch (0-based).</param>
/// <param name="BatchesPerEpoch">Batches in the epoch.</param>
/// <param name="Step">Optimizer steps taken so far, this one included.</param>
/// <param name="Loss">Mean training loss of the batch.</param>
/// <param name="LearningRate">Learning rate used for this step.</param>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping (NaN when clipping by norm is off).</param>
/// <param name="Samples">Samples in the batch.</param>
/// <param name="Correct">Samples of the batch whose training-mode prediction was right (for a running accuracy).</param>
/// <param name="TotalEpochs">Epochs the trainer was asked to run.</param>
public readonly record struct BatchEndInfo(int Epoch, int Batch, int BatchesPerEpoch, long Step, float Loss, float LearningRate, float GradientNorm, int Samples, int Correct, int TotalEpochs);

/// <summary>What a trainer reports after each epoch, and the place where a callback can stop training.</summary>
public sealed class EpochEndContext
{
    internal EpochEndContext(EpochMetrics metrics, TrainingHistory history, int totalEpochs)
    {
        Metrics = metrics;
        History = history;
        TotalEpochs = totalEpochs;
    }

    /// <summary>The epoch just finished (0-based).</summary>
    public int Epoch => Metrics.Epoch;
    /// <summary>Epochs the trainer was asked to run.</summary>
    public int TotalEpochs { get; }
    /// <summary>Metrics of the epoch just finished (also the last entry of <see cref="History"/>).</summary>
    public EpochMetrics Metrics { get; }
    /// <summary>All epochs so far.</summary>
    public TrainingHistory History { get; }
    /// <summary>Whether a callback asked to stop; the trainer stops after all callbacks have seen this epoch.</summary>
    public bool StopRequested => StopReason is not null;
    /// <summary>Why training is to stop, when a callback asked.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Asks the trainer to stop after this epoch; the first reason given is kept.</summary>
    public void Stop(string reason) => StopReason ??= reason;
}

/// <summary>Hooks into a <see cref="Trainer"/>: logging, progress bars, early stopping, checkpoints. Both methods have empty defaults.</summary>
public interface ITrainingCallback
{
    /// <summary>Called after every optimizer step, on the training thread. Keep it cheap.</summary>
    void OnBatchEnd(in BatchEndInfo batch) { }

    /// <summary>Called after every epoch, once the evaluation is done. Call <see cref="EpochEndContext.Stop"/> to stop training.</summary>
    void OnEpochEnd(EpochEndContext context) { }
}

/// <summary>Writes a line every <see cref="Every"/> batches and a summary line per epoch.</summary>
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
        string test = m.TestLoss is { } tl ? $"  test loss {tl:F4} acc {m.TestAccuracy:P2}" : "";
        writer.WriteLine($"epoch {m.Epoch + 1}/{context.TotalEpochs}  train loss {m.TrainLoss:F4} acc {m.TrainAccuracy:P2}{test}  " +
            $"{m.Seconds:F1}s  {m.ImagesPerSecond:F0} images/s");
    }
}

/// <summary>The metric <see cref="EarlyStopping"/> watches.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Test loss; lower is better.</summary>
    TestLoss,
    /// <summary>Test accuracy; higher is better.</summary>
    TestAccuracy,
    /// <summary>Training loss; lower is better.</summary>
    TrainLoss,
}

/// <summary>Stops training when <see cref="Metric"/> has not improved by more than <see cref="MinDelta"/> for
/// <see cref="Patience"/> epochs in a row (Keras' <c>EarlyStopping</c>).</summary>
public sealed class EarlyStopping : ITrainingCallback
{
    /// <summary>Creates the callback.</summary>
    /// <param name="patience">Epochs without improvement tolerated.</param>
    /// <param name="metric">The metric watched.</param>
    /// <param name="minDelta">Smallest change that counts as an improvement.</param>
    public EarlyStopping(int patience, EarlyStoppingMetric metric = EarlyStoppingMetric.TestLoss, double minDelta = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(patience, 1);
        Patience = patience;
        Metric = metric;
        MinDelta = minDelta;
    }

    /// <summary>Epochs without improvement tolerated.</summary>
    public int Patience { get; }
    /// <summary>The metric watched.</summary>
    public EarlyStoppingMetric Metric { get; }
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>The best value seen.</summary>
    public double Best { get; private set; } = double.NaN;
    /// <summary>The epoch (0-based) of the best value, or −1.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        var m = context.Metrics;
        double? value = Metric switch
        {
            EarlyStoppingMetric.TestLoss => m.TestLoss,
            EarlyStoppingMetric.TestAccuracy => m.TestAccuracy,
            _ => m.TrainLoss,
        };
        if (value is not { } v)
            throw new InvalidOperationException($"EarlyStopping watches {Metric}, but the trainer has no test set. Pass one to Fit or watch TrainLoss.");
        bool higherIsBetter = Metric == EarlyStoppingMetric.TestAccuracy;
        bool improved = BestEpoch < 0 || (higherIsBetter ? v > Best + MinDelta : v < Best - MinDelta);
        if (improved)
        {
            Best = v;
            BestEpoch = m.Epoch;
        }
        else if (m.Epoch - BestEpoch >= Patience)
        {
            context.Stop($"early stopping: {Metric} has not improved for {m.Epoch - BestEpoch} epochs (best {Best:G6} at epoch {BestEpoch + 1})");
        }
    }
}
