using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeepPsych.Dsl.Training;

/// <summary>Metrics of one training epoch.</summary>
public sealed class EpochMetrics
{
    /// <summary>Epoch index (0-based).</summary>
    public int Epoch { get; init; }
    /// <summary>Mean training loss over the epoch's samples (from the training-mode forward pass).</summary>
    public double TrainLoss { get; init; }
    /// <summary>Training accuracy over the epoch, from the training-mode outputs of each step (before the update).</summary>
    public double TrainAccuracy { get; init; }
    /// <summary>Test loss after the epoch, or null without a test set.</summary>
    public double? TestLoss { get; init; }
    /// <summary>Test accuracy after the epoch, or null without a test set.</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>The full test evaluation (per-class accuracy, confusion matrix), or null without a test set.</summary>
    public EvaluationResult? Test { get; init; }
    /// <summary>Learning rate of the epoch's last step.</summary>
    public double LearningRate { get; init; }
    /// <summary>Optimizer steps taken by the end of the epoch.</summary>
    public long Steps { get; init; }
    /// <summary>Wall-clock seconds spent training (without evaluation).</summary>
    public double Seconds { get; init; }
    /// <summary>Wall-clock seconds spent evaluating.</summary>
    public double EvaluationSeconds { get; init; }
    /// <summary>Training throughput: samples / <see cref="Seconds"/>.</summary>
    public double ImagesPerSecond { get; init; }
}

/// <summary>The record of a training run, serialisable to JSON (<c>metrics.json</c>) with a source-generated,
/// reflection-free serializer.</summary>
public sealed class TrainingHistory
{
    /// <summary>The network class.</summary>
    public string Network { get; init; } = "";
    /// <summary>The network's architecture hash.</summary>
    public string ArchitectureHash { get; init; } = "";
    /// <summary>The optimizer, as text (e.g. <c>SGD(lr=0.01, momentum=0.9, …)</c>).</summary>
    public string Optimizer { get; init; } = "";
    /// <summary>The shuffling seed.</summary>
    public int Seed { get; init; }
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; }
    /// <summary>One entry per completed epoch.</summary>
    public List<EpochMetrics> Epochs { get; init; } = [];
    /// <summary>Why training stopped before the last epoch, or null when it ran to the end.</summary>
    public string? StopReason { get; set; }
    /// <summary>Whether a callback stopped training early.</summary>
    public bool StoppedEarly => StopReason is not null;

    /// <summary>Indented JSON (camelCase; NaN and ±∞ written as strings).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, TrainingJsonContext.Default.TrainingHistory);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (e.g. <c>runs/lenet/metrics.json</c>), replacing it atomically.</summary>
    public void Save(string path)
    {
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp";
        File.WriteAllText(temp, ToJson());
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>.</summary>
    public static TrainingHistory FromJson(string json) =>
        JsonSerializer.Deserialize(json, TrainingJsonContext.Default.TrainingHistory)
        ?? throw new JsonException("The JSON holds null, not a training history.");

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    public static TrainingHistory Load(string path) => FromJson(File.ReadAllText(path));
}

/// <summary>Source-generated (AOT-safe) JSON metadata for <see cref="TrainingHistory"/>.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TrainingHistory))]
internal sealed partial class TrainingJsonContext : JsonSerializerContext;
