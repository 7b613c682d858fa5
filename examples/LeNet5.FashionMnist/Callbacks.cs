using DeepPsych.Dsl;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Training;
using Spectre.Console;

namespace Examples.FashionMnist;

/// <summary>Keeps every batch's loss for the loss plot.</summary>
public sealed class BatchCurve : ITrainingCallback
{
    public List<(long Step, float Loss)> Points { get; } = [];
    public void OnBatchEnd(in BatchEndInfo batch) => Points.Add((batch.Step, batch.Loss));
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

    /// <summary>The figures as one line of at most <paramref name="width"/> characters: the longest of a few forms that
    /// fits (dropping throughput, then accuracy, then words), so a live bar never wraps.</summary>
    public string Describe(in BatchEndInfo b, int width = int.MaxValue)
    {
        string acc = double.IsNaN(Accuracy) ? "n/a" : Accuracy.ToString("P1");
        string[] forms =
        [
            $"epoch {b.Epoch + 1}/{b.TotalEpochs} batch {b.Batch + 1}/{b.BatchesPerEpoch}  loss {Loss:F4}  acc {acc}  {ImagesPerSecond:N0} img/s",
            $"epoch {b.Epoch + 1}/{b.TotalEpochs} batch {b.Batch + 1}/{b.BatchesPerEpoch}  loss {Loss:F4}  acc {acc}",
            $"{b.Epoch + 1}/{b.TotalEpochs} {b.Batch + 1}/{b.BatchesPerEpoch} loss {Loss:F3} acc {acc}",
            $"{b.Epoch + 1}/{b.TotalEpochs} loss {Loss:F3}",
        ];
        foreach (var form in forms) if (form.Length <= width) return form;
        return forms[^1][..Math.Max(0, width)];
    }
}

/// <summary>The live bar's layout for a terminal <c>width</c> columns wide: a bar, the percentage and the time left at
/// fixed widths, and what is left for the description (<see cref="RunningFigures.Describe"/>). Spectre separates columns by
/// one space; one column is kept free because a line that fills the last column wraps in many terminals.</summary>
public readonly record struct ProgressLayout(int BarWidth, int DescriptionWidth)
{
    public const int PercentageWidth = 4, RemainingWidth = 8;

    public static ProgressLayout For(int width)
    {
        int bar = Math.Clamp(width / 6, 5, 30);
        return new ProgressLayout(bar, Math.Max(10, width - 1 - bar - PercentageWidth - RemainingWidth - 3));
    }

    public ProgressColumn[] Columns() =>
    [
        new TaskDescriptionColumn { Alignment = Justify.Left },
        new ProgressBarColumn { Width = BarWidth },
        new PercentageColumn(),
        new RemainingTimeColumn(),
    ];
}

/// <summary>Drives the live Spectre.Console progress bar.</summary>
public sealed class ProgressCallback(ProgressTask task, long totalSteps, IAnsiConsole console, ProgressLayout layout) : ITrainingCallback
{
    private readonly RunningFigures _figures = new();

    public void OnBatchEnd(in BatchEndInfo batch)
    {
        _figures.Add(batch);
        task.Value = Math.Min(totalSteps, batch.Step);
        task.Description = Markup.Escape(_figures.Describe(batch, layout.DescriptionWidth));
    }

    public void OnEpochEnd(EpochEndContext context) => console.WriteLine(TrainingJob.EpochLine(context));
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

    public void OnEpochEnd(EpochEndContext context) => writer.WriteLine(TrainingJob.EpochLine(context));
}

/// <summary>Evaluates on the generated CPU forward while training runs on ILGPU's CPU accelerator. That accelerator
/// simulates a GPU thread by thread (hundreds of times slower than the CPU path); the weights are the same, so the
/// figures are too, and an evaluation of the 10,000 test images takes seconds instead of minutes.</summary>
public sealed class ValidateOnCpuPath(IDeviceTrainable network, IDeviceBackend device) : ITrainingCallback
{
    public void OnValidationBegin(Trainer trainer) => network.UseDevice(null);
    public void OnValidationEnd(Trainer trainer) => network.UseDevice(device);
}
