namespace DeepPsych.Dsl.Training;

/// <summary>Settings of a <see cref="Trainer"/>.</summary>
public sealed class TrainerOptions
{
    /// <summary>Epochs to run.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Samples per training batch.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Samples per forward call when evaluating.</summary>
    public int EvaluationBatchSize { get; init; } = 256;
    /// <summary>Seed of the shuffling order (the network's own <see cref="INeuralNetwork.Seed"/> is left alone).</summary>
    public int Seed { get; init; }
    /// <summary>Visit the training samples in a seeded random order each epoch.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Skip the last, smaller batch of each epoch.</summary>
    public bool DropLast { get; init; }
    /// <summary>Gather the next batch on a background task while the current one trains.</summary>
    public bool Prefetch { get; init; } = true;
    /// <summary>Clip the gradients to this global L2 norm before each step (null = off).</summary>
    public float? ClipGradientNorm { get; init; }
    /// <summary>Clamp each gradient to ± this value before each step (null = off). Applied after norm clipping.</summary>
    public float? ClipGradientValue { get; init; }
    /// <summary>Check the loss, gradients and parameters for NaN/±∞ after every step and stop with a
    /// <see cref="TrainingDivergedException"/>. Costs two passes over the parameter block per step.</summary>
    public bool DetectNonFinite { get; init; } = true;
    /// <summary>Evaluate on the test set after each epoch (when one is given to <see cref="Trainer.Fit"/>).</summary>
    public bool EvaluateEachEpoch { get; init; } = true;
}
