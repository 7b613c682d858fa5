namespace DeepPsych.Dsl.Training;

/// <summary>Training produced NaN or ±∞. The message names the layer where it first appeared, the step and the epoch.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TrainingDivergedException(string message, string? layer, long step, int epoch, int batch, float loss) : base(message)
    {
        Layer = layer;
        Step = step;
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The first layer (or parameter tensor) found non-finite, or null when only the loss was.</summary>
    public string? Layer { get; }
    /// <summary>The optimizer step (0-based) during which it appeared.</summary>
    public long Step { get; }
    /// <summary>The epoch (0-based).</summary>
    public int Epoch { get; }
    /// <summary>The batch within the epoch (0-based).</summary>
    public int Batch { get; }
    /// <summary>The batch loss.</summary>
    public float Loss { get; }
}
