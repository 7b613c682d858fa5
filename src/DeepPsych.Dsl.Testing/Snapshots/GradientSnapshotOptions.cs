namespace DeepPsych.Dsl.Testing;

/// <summary>Settings of a gradient snapshot.</summary>
public sealed record GradientSnapshotOptions
{
    /// <summary>The defaults.</summary>
    public static GradientSnapshotOptions Default { get; } = new();

    /// <summary>Seed of the batch and of the parameters (<see cref="TestParameters.Seeded"/>).</summary>
    public int Seed { get; init; } = 1234;
    /// <summary>Samples in the seeded batch.</summary>
    public int Batch { get; init; } = 3;
    /// <summary>Which parameters to snapshot the gradients at. The default (this library's own seeded values) does not
    /// move when the runtime's initialiser changes; <see cref="TestParameters.NetworkInitializer"/> pins that too.</summary>
    public TestParameters Parameters { get; init; } = TestParameters.Seeded;
    /// <summary>An explicit batch instead of the seeded one.</summary>
    public TestBatch? Data { get; init; }
    /// <summary>Threads during the snapshot; null leaves the network's setting.</summary>
    public int? Threads { get; init; }

    /// <summary>A value passes when |received − approved| ≤ RelativeTolerance·|approved| + AbsoluteTolerance·max|approved|
    /// (max over its tensor). 1e-4 relative and 1e-5 of the tensor's scale absorb what legitimately differs between
    /// machines and thread counts — float32 reassociation in the GEMM blocking, Vector512 vs Vector256 paths, shard
    /// sums, whose relative effect is ~n·2⁻²⁴ ≈ 1e-5 for the dot lengths here — and nothing a changed formula can hide in:
    /// a changed factor, sign or index moves values by ≥ 1e-2. A snapshot detects change; the gradient check decides correctness.</summary>
    public double RelativeTolerance { get; init; } = 1e-4;
    /// <summary>See <see cref="RelativeTolerance"/>.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-5;

    /// <summary>Tensors with at most this many elements are written in full; larger ones as statistics, the first 8
    /// values, a seeded sample of <see cref="SampledValues"/> values and the L2 norm of each slice along the first axis
    /// (so a change anywhere in the tensor shows in its row).</summary>
    public int MaxValuesPerTensor { get; init; } = 1024;
    /// <summary>Sampled values for large tensors.</summary>
    public int SampledValues { get; init; } = 64;

    /// <summary>The backward source to record; null records <see cref="INeuralNetwork.BackwardSource"/> (the generated code).</summary>
    public string? BackwardSource { get; init; }
    /// <summary>Whether a changed backward source fails the snapshot (shown as a line diff). On by default: generated
    /// code is what a reviewer should see change.</summary>
    public bool CompareBackwardSource { get; init; } = true;
}
