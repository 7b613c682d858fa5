namespace DeepPsych.Dsl.Execution;

/// <summary>Seeded parameter initialisation. Every tensor draws from its own stream, derived from (seed, tensor index),
/// so adding a layer at the end does not change the layers before it. Biases start at zero.</summary>
public static class ParameterInitializer
{
    /// <summary>Fills every tensor: He normal N(0, 2/fan_in) or Xavier/Glorot uniform U(±√(6/(fan_in+fan_out))).</summary>
    public static void Initialize(IReadOnlyList<ParameterTensor> tensors, int seed)
    {
        for (int t = 0; t < tensors.Count; t++)
        {
            var tensor = tensors[t];
            var values = tensor.Values;
            if (tensor.IsBias) { values.Clear(); continue; }
            if (tensor.Init == Init.Ones) { values.Fill(1f); continue; }
            if (tensor.FanIn == 0) { values.Clear(); continue; }
            var rng = new SplitMix64(((ulong)(uint)seed << 32) ^ (ulong)(t + 1) * 0x9E3779B97F4A7C15UL);
            if (tensor.Init == Init.Xavier)
            {
                double limit = Math.Sqrt(6.0 / (tensor.FanIn + Math.Max(1, tensor.FanOut)));
                for (int i = 0; i < values.Length; i++) values[i] = (float)((rng.NextDouble() * 2 - 1) * limit);
            }
            else
            {
                double std = Math.Sqrt(2.0 / tensor.FanIn);
                for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextGaussian() * std);
            }
        }
    }
}

/// <summary>SplitMix64: a small, fast, fully specified generator, so initial weights never change with the .NET version.</summary>
public struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal by Box–Muller.</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
