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
        Shuffle(order[..count], Mix((ulong)(uint)seed << 32 | (uint)epoch));
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="items"/> driven by a SplitMix64 stream seeded with <paramref name="seed"/>.</summary>
    public static void Shuffle<T>(Span<T> items, ulong seed)
    {
        ulong state = seed;
        for (int i = items.Length - 1; i > 0; i--)
        {
            // Lemire's multiply-shift maps 64 random bits to [0, i]; the bias is below 2^-32 for any array that fits in memory.
            ulong r = Next(ref state);
            int j = (int)(((UInt128)r * (ulong)(i + 1)) >> 64);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong Next(ref ulong state) => Mix(state += 0x9E3779B97F4A7C15UL);

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
