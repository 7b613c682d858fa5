using System.Globalization;
using System.Text;

namespace DeepPsych.Dsl.Training;

/// <summary>The per-epoch columns the log callbacks write, named as in Keras' <c>CSVLogger</c> and <c>History</c>:
/// <c>epoch</c> (1-based), <c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, <c>lr</c>, <c>seconds</c>.
/// Accuracy columns are left out for regression, validation columns without a validation set.</summary>
public static class EpochLogFields
{
    /// <summary>The fields of <paramref name="m"/>, in column order; a missing value is null.</summary>
    public static IEnumerable<(string Name, double? Value)> Of(EpochMetrics m)
    {
        yield return ("epoch", m.Number);
        yield return ("loss", m.TrainLoss);
        yield return ("accuracy", m.TrainAccuracy);
        yield return ("val_loss", m.ValLoss);
        yield return ("val_accuracy", m.ValAccuracy);
        yield return ("lr", m.LearningRate);
        yield return ("seconds", m.Seconds);
    }

    /// <summary>Invariant round-trip text of a value; JSON's <c>null</c> / an empty CSV cell for a missing one.</summary>
    internal static string Format(double? value, string missing) => value switch
    {
        null => missing,
        { } v when double.IsFinite(v) => v.ToString("R", CultureInfo.InvariantCulture),
        { } v => missing == "null" ? $"\"{v.ToString(CultureInfo.InvariantCulture)}\"" : v.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>Appends one CSV row per epoch to <see cref="Path"/> and flushes it, so the log survives a crash (Keras' <c>CSVLogger</c>).
/// The header is written with the first row; columns without values in the first epoch are left out.</summary>
public sealed class CsvLogger(string path) : ITrainingCallback
{
    private string[]? _columns;

    /// <summary>The file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        var fields = EpochLogFields.Of(context.Metrics).ToList();
        var sb = new StringBuilder();
        if (_columns is null)
        {
            _columns = [.. fields.Where(f => f.Value is not null).Select(f => f.Name)];
            File.WriteAllText(Path, string.Join(",", _columns) + "\n");
        }
        sb.AppendJoin(",", _columns.Select(c => EpochLogFields.Format(fields.First(f => f.Name == c).Value, ""))).Append('\n');
        File.AppendAllText(Path, sb.ToString());
    }
}

/// <summary>Appends one JSON object per epoch to <see cref="Path"/> (JSON Lines) and flushes it, so the log survives a crash
/// and can be followed while training (<c>tail -f</c>, <c>pandas.read_json(path, lines=True)</c>).</summary>
public sealed class JsonLinesLogger(string path) : ITrainingCallback
{
    private bool _started;

    /// <summary>The file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        var line = "{" + string.Join(", ", EpochLogFields.Of(context.Metrics).Where(f => f.Value is not null)
            .Select(f => $"\"{f.Name}\": {EpochLogFields.Format(f.Value, "null")}")) + "}\n";
        if (!_started) File.WriteAllText(Path, line);
        else File.AppendAllText(Path, line);
        _started = true;
    }
}
