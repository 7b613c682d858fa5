using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Testing.Internal;

/// <summary>The runtime's <see cref="SplitMix64"/> (fully specified, unlike System.Random's sequence), so a snapshot's
/// inputs and parameters stay the same across .NET versions, with the draws this library needs.</summary>
internal sealed class TestRandom(int seed)
{
    private SplitMix64 _bits = new(0x9E3779B97F4A7C15UL ^ (ulong)(uint)seed);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => _bits.NextDouble();

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(NextDouble() * n);

    /// <summary>Standard normal (Box–Muller).</summary>
    public double Gaussian() => _bits.NextGaussian();
}
