namespace DeepPsych.Dsl.Testing;

/// <summary>Which parameter values a check or snapshot runs at.</summary>
public enum TestParameters
{
    /// <summary>This library's own seeded values (default): weights U(±√(3/fan_in)), so variance 1/fan_in, and biases
    /// U(±0.1) — non-zero, so a bias that is dropped or added twice shows. Independent of the runtime's initialiser,
    /// so a snapshot does not move when the initialiser changes.</summary>
    Seeded = 0,
    /// <summary>Whatever the network holds now (e.g. a trained network).</summary>
    Current = 1,
    /// <summary>The network's own <see cref="INeuralNetwork.InitializeParameters(int)"/> with the options' seed.</summary>
    NetworkInitializer = 2,
}

/// <summary>Settings of a gradient check. The defaults are tuned for float32 networks; see the remarks on each tolerance.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>The defaults.</summary>
    public static GradientCheckOptions Default { get; } = new();

    /// <summary>∛(2⁻²⁴) ≈ 4.9e-3: the step that balances the central difference's truncation error (∝ h²) against
    /// float32 rounding in the loss (∝ u/h) for u = 2⁻²⁴, float32's unit roundoff.</summary>
    public const double Float32Step = 4.921566601151848e-3;

    /// <summary>Seed of the inputs, labels/targets, parameters (<see cref="TestParameters.Seeded"/>), sampled
    /// coordinates and random directions. Same seed, same check.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>Samples in the generated batch. Odd by default (3): a shard split of 2 + 1 on two threads, and a batch
    /// mean that a sum would miss by a factor of 3.</summary>
    public int Batch { get; init; } = 3;

    /// <summary>Which parameter values to check at.</summary>
    public TestParameters Parameters { get; init; } = TestParameters.Seeded;

    /// <summary>Tensors with at most this many elements are checked at every coordinate.</summary>
    public int FullCheckLimit { get; init; } = 256;

    /// <summary>Larger tensors: coordinates checked — the 4 with the largest |analytic gradient|, the rest drawn with the seed.</summary>
    public int SampledCoordinates { get; init; } = 32;

    /// <summary>Larger tensors: seeded random directions along which the directional derivative (Lθ+td − Lθ−td)/2t is
    /// compared with ∇L·d. One direction tests every coordinate of the tensor at once.</summary>
    public int Directions { get; init; } = 3;

    /// <summary>The step of coordinate i is <c>StepFactor · max(|θᵢ|, scale)</c>, scale = max(rms of the tensor,
    /// <see cref="MinimumScale"/>): relative to the parameter's own magnitude, so a weight of 3 and one of 3e-3 are
    /// both perturbed in their last ~8 significant bits' worth of room. The step actually taken is the float32
    /// difference <c>(float)(θ+h) − θ</c>, so rounding of θ±h does not bias the quotient.</summary>
    public double StepFactor { get; init; } = Float32Step;

    /// <summary>Floor of a tensor's scale (zero-initialised biases still get a step of StepFactor × 0.1).</summary>
    public double MinimumScale { get; init; } = 0.1;

    /// <summary>Per coordinate: pass when |a − n| ≤ RelativeTolerance · max(|a|, |n|) + AbsoluteTolerance · max|a|
    /// (max over the tensor). 1e-2: with the step above, a correct float32 gradient's central difference is off by
    /// ~u^(2/3) ≈ 1.5e-5 in relative terms times the loss's curvature and conditioning, measured on this project's
    /// networks at 1e-5..2e-3 (see docs/testing.md); a broken backward formula (a missing factor, a wrong sign, a
    /// transposed index) is off by ≥ 1e-1. The tolerance sits in the decade between.</summary>
    public double RelativeTolerance { get; init; } = 1e-2;

    /// <summary>The absolute part, as a fraction of the tensor's largest |analytic gradient|: a coordinate whose true
    /// gradient is ~0 has a numeric estimate that is pure float32 noise (≈ u·|L| / h), which no relative test can pass.
    /// 1e-3 of the tensor's largest gradient is above that noise and far below any formula error.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-3;

    /// <summary>Smoothness is tested at every coordinate: the analytic gradient is read at both ends θ±h too, and when
    /// their mean differs from g(θ) by more than the tolerance (on a smooth loss they agree to O(h²)), a ReLU or max-pool
    /// kink lies inside [θ−h, θ+h] (the central difference would average two slopes). The step is then shrunk to h/4 and h/16 (counted as kinks in the report). A coordinate
    /// that is still not smooth at h/16 is skipped as non-differentiable when this is true (the default), or compared
    /// anyway when false. A wrong formula is wrong on both sides alike: it passes the smoothness test and fails the comparison.</summary>
    public bool SkipNonDifferentiable { get; init; } = true;

    /// <summary>A tensor fails when more than this fraction of its checked coordinates (or directions) had to be skipped
    /// as non-differentiable: a backward that returns garbage also looks "non-smooth", and must not pass by being skipped.</summary>
    public double MaxSkippedFraction { get; init; } = 0.25;

    /// <summary>The float32 rounding noise ε of the loss is measured at the start of every check (the loss re-evaluated
    /// with single coordinates moved by one ulp); each comparison then also allows NoiseSigmas·√2·ε/2h, what that noise
    /// alone can do to a central difference over a step h. 6σ: a correct gradient essentially never trips it, and at the
    /// default step it is ~1e-5 of a typical gradient — it only matters when a kink has forced the step down to h/16.
    /// It is printed in the report. 0 turns it off.</summary>
    public double NoiseSigmas { get; init; } = 6;

    /// <summary>Threads the network uses during the check; null leaves <see cref="INeuralNetwork.Threads"/> as it is.</summary>
    public int? Threads { get; init; }

    /// <summary>The network's returned mean loss must match this library's double-precision loss of the same outputs
    /// within this relative error (float32 rounding of the returned value and of exp/log inside the fused op).</summary>
    public double LossTolerance { get; init; } = 1e-4;
}
