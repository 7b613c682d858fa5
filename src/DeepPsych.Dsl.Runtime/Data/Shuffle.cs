namespace DeepPsych.Dsl.Data;

/// <summary>Seeded, platform-independent shuffling (SplitMix64 + Fisher–Yates). The same seed gives the same order
/// on every machine and .NET version, unlike <see cref="Random"/>, whose algorithm is not a documented contract.</summary>
public static class SeededShuffle
{
    /// <summary>The order of samples in epoch <paramref name="epoch"/>: a permutation of [0, <paramref name="count"/>)
    /// that depends only on (<paramref name="seed"/>, <paramref name="epoch"/>), so a resumed run sees the same order.</summary>
    public static void EpochOrder(Span<int> order, int count, int seed, int epoch)
    {
        if (order.Length < count) throw new ArgumentException($"The order span holds {order.Length} entries, {count} needed.", nameof(order));
        for (int i = 0; i < count; i++) order[i] = i;
        Shuffle(order[..count], SeededRandom.Mix((ulong)(uint)seed << 32 | (uint)epoch));
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> driven by a SplitMix64 stream seeded with <paramref name="seed"/>.</summary>
    public static void Shuffle<T>(Span<T> items, ulong seed)
    {
        var random = new SeededRandom(seed);
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}

/// <summary>A SplitMix64 stream: small, fast, seeded, the same on every platform. Used for shuffling and augmentation.</summary>
public struct SeededRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A stream for one (seed, epoch, sample) triple: augmentations of a sample depend on nothing else, so
    /// prefetching, threads and batch sizes never change them.</summary>
    public static SeededRandom For(int seed, int epoch, int sample) =>
        new(Mix(Mix((ulong)(uint)seed << 32 | (uint)epoch) ^ (ulong)(uint)sample * 0xD1B54A32D192ED03UL));

    /// <summary>The next 64 random bits.</summary>
    public ulong Next() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>A whole number in [0, <paramref name="bound"/>) (Lemire's multiply-shift; bias below 2^-32).</summary>
    public int NextInt(int bound) => (int)(((UInt128)Next() * (ulong)bound) >> 64);

    /// <summary>A number in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
