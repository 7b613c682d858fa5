using DeepPsych.Dsl.Training;
using Spectre.Console;

namespace Examples.FashionMnist;

/// <summary>Keeps every batch's loss for the loss plot.</summary>
public sealed class BatchCurve : ITrainingCallback
{
    public List<(long Step, float Loss)> Points { get; } = [];
    public void OnBatchEnd(in BatchEndInfo batch) => Points.Add((batch.Step, batch.Loss));
    public void OnEpochEnd(EpochEndContext context) { }
}

/// <summary>Running figures over the last batches: loss, accuracy, images per second.</summary>
public sealed class RunningFigures(int window = 50)
{
    private readonly Queue<(float Loss, int Correct, int Samples)> _recent = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _samples;

    public double Loss => _recent.Count == 0 ? double.NaN : _recent.Average(r => r.Loss);
    /// <summary>NaN when the backend reports no correct counts (Correct &lt; 0).</summary>
    public double Accuracy => _recent.Any(r => r.Correct < 0) ? double.NaN : _recent.Sum(r => r.Samples) is int n && n > 0 ? (double)_recent.Sum(r => r.Correct) / n : double.NaN;
    public double ImagesPerSecond => _samples / Math.Max(1e-9, _clock.Elapsed.TotalSeconds);

    public void Add(in BatchEndInfo batch)
    {
        _recent.Enqueue((batch.Loss, batch.Correct, batch.Samples));
        if (_recent.Count > window) _recent.Dequeue();
        _samples += batch.Samples;
    }

    public string Describe(in BatchEndInfo b)
        => $"epoch {b.Epoch + 1}/{b.TotalEpochs} batch {b.Batch + 1}/{b.BatchesPerEpoch}  loss {Loss:F4}  acc {(double.IsNaN(Accuracy) ? "n/a" : Accuracy.ToString("P1"))}  {ImagesPerSecond:N0} img/s";
}

/// <summary>Drives the live Spectre.Console progress bar.</summary>
public sealed class ProgressCallback(ProgressTask task, long totalSteps) : ITrainingCallback
{
    private readonly RunningFigures _figures = new();

    public void OnBatchEnd(in BatchEndInfo batch)
    {
        _figures.Add(batch);
        task.Value = Math.Min(totalSteps, batch.Step);
        task.Description = _figures.Describe(batch);
    }

    public void OnEpochEnd(EpochEndContext context)
        => AnsiConsole.MarkupLine($"epoch {context.Epoch + 1}: test accuracy [bold]{context.Metrics.TestAccuracy:P2}[/], test loss {context.Metrics.TestLoss:F4}");
}

/// <summary>Progress as plain lines, for logs and terminals without live rendering.</summary>
public sealed class PlainProgress(TextWriter writer, long totalSteps, int every) : ITrainingCallback
{
    private readonly RunningFigures _figures = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public void OnBatchEnd(in BatchEndInfo batch)
    {
        _figures.Add(batch);
        if ((batch.Batch + 1) % every != 0 && batch.Batch + 1 != batch.BatchesPerEpoch) return;
        double elapsed = _clock.Elapsed.TotalSeconds;
        double eta = batch.Step > 0 ? elapsed / batch.Step * (totalSteps - batch.Step) : double.NaN;
        writer.WriteLine($"{_figures.Describe(batch)}  eta {TimeSpan.FromSeconds(Math.Max(0, eta)):mm\\:ss}");
    }

    public void OnEpochEnd(EpochEndContext context)
        => writer.WriteLine($"epoch {context.Epoch + 1}: test accuracy {context.Metrics.TestAccuracy:P2}, test loss {context.Metrics.TestLoss:F4}");
}
