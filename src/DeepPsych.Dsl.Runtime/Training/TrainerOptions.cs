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
    /// <summary>Evaluate on the validation set after each epoch (when one is given to <see cref="Trainer.Fit"/>).</summary>
    public bool EvaluateEachEpoch { get; init; } = true;
    /// <summary>Random changes applied to each training sample as its batch is gathered (e.g. <see cref="Data.RandomCrop"/>,
    /// <see cref="Data.HorizontalFlip"/>), seeded by (<see cref="Seed"/>, epoch, sample). Never applied to validation data.</summary>
    public IReadOnlyList<Data.IAugmentation> Augmentations { get; init; } = [];
    /// <summary>Print one line per epoch to the console when no callback is given (Keras' <c>verbose</c>).</summary>
    public bool Verbose { get; init; } = true;
    /// <summary>Where the default report goes; null: <see cref="Console.Out"/>.</summary>
    public TextWriter? ReportWriter { get; init; }
}
