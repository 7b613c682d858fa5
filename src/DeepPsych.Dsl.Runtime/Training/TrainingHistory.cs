using System.Text.Json;
using System.Text.Json.Serialization;

namespace DeepPsych.Dsl.Training;

/// <summary>Metrics of one training epoch. Validation figures are named as in Keras (<c>val_loss</c>, <c>val_accuracy</c>):
/// they come from the held-out set passed to <see cref="Trainer.Fit"/>; "test" is kept for the final test set.</summary>
public sealed class EpochMetrics
{
    /// <summary>Epoch index, 0-based (as <see cref="Trainer.Fit"/>'s <c>startEpoch</c>); see <see cref="Number"/> for the 1-based number.</summary>
    [JsonIgnore]
    public int Epoch { get; init; }
    /// <summary>Epoch number, 1-based: as printed, plotted and written to <c>metrics.json</c> (<c>"epoch"</c>).</summary>
    [JsonPropertyName("epoch")]
    public int Number { get => Epoch + 1; init => Epoch = value - 1; }
    /// <summary>Mean training loss over the epoch's samples (from the training-mode forward pass).</summary>
    public double TrainLoss { get; init; }
    /// <summary>Training accuracy over the epoch, from the training-mode outputs of each step (before the update); null for regression.</summary>
    public double? TrainAccuracy { get; init; }
    /// <summary>Validation loss after the epoch (Keras' <c>val_loss</c>), or null without a validation set.</summary>
    public double? ValLoss { get; init; }
    /// <summary>Validation accuracy after the epoch (Keras' <c>val_accuracy</c>), or null without a validation set or for regression.</summary>
    public double? ValAccuracy { get; init; }
    /// <summary>The full validation evaluation (per-class accuracy, confusion matrix), or null without a validation set.</summary>
    public EvaluationResult? Validation { get; init; }
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

/// <summary>Input normalisation as written to <c>metrics.json</c>: one mean and one std per channel.</summary>
/// <param name="Mean">Subtracted per channel.</param>
/// <param name="Std">Divides per channel.</param>
public sealed record NormalizationRecord(float[] Mean, float[] Std);

/// <summary>The record of a training run, serialisable to JSON (<c>metrics.json</c>) with a source-generated,
/// reflection-free serializer. Self-contained: with the settings, normalisation and final figures in it, the run can be
/// reproduced and compared without the console log.</summary>
public sealed class TrainingHistory
{
    /// <summary>The network class.</summary>
    public string Network { get; init; } = "";
    /// <summary>The network's architecture hash.</summary>
    public string ArchitectureHash { get; init; } = "";
    /// <summary>The optimizer, as text (e.g. <c>SGD(lr=0.01, momentum=0.9, …)</c>).</summary>
    public string Optimizer { get; init; } = "";
    /// <summary>The learning-rate schedule, as text, or null for a constant rate.</summary>
    public string? Schedule { get; init; }
    /// <summary>The shuffling seed.</summary>
    public int Seed { get; init; }
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; init; }
    /// <summary>Epochs the run was asked for (<see cref="Epochs"/> holds those completed).</summary>
    public int PlannedEpochs { get; init; }
    /// <summary>Samples trained on per epoch.</summary>
    public int TrainSamples { get; init; }
    /// <summary>Samples in the validation set, or 0.</summary>
    public int ValidationSamples { get; init; }
    /// <summary>The augmentations applied to training samples, as text.</summary>
    public List<string> Augmentations { get; init; } = [];
    /// <summary>The input normalisation, when the caller records it (needed to reproduce a result or to predict).</summary>
    public NormalizationRecord? Normalization { get; set; }
    /// <summary>Any further settings a caller wants kept with the run (e.g. the command line, the data folder).</summary>
    public Dictionary<string, string> Settings { get; init; } = [];
    /// <summary>One entry per completed epoch.</summary>
    public List<EpochMetrics> Epochs { get; init; } = [];
    /// <summary>The final evaluation on the test set, when the caller ran one.</summary>
    public EvaluationResult? Test { get; set; }
    /// <summary>Why training stopped before the last epoch, or null when it ran to the end.</summary>
    public string? StopReason { get; set; }
    /// <summary>Whether training stopped before <see cref="PlannedEpochs"/> (a callback, Ctrl+C, divergence).</summary>
    public bool StoppedEarly => StopReason is not null;

    /// <summary>Indented JSON (camelCase; NaN and ±∞ written as strings).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, TrainingJsonContext.Default.TrainingHistory);

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> (e.g. <c>runs/lenet/metrics.json</c>), replacing it atomically.</summary>
    public void Save(string path) => RunDirectory.WriteAllTextAtomically(path, ToJson());

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
