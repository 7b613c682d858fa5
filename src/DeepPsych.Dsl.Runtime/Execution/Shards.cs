namespace DeepPsych.Dsl.Execution;

/// <summary>How a batch is split across threads: shard <c>s</c> covers samples [Start(s), Start(s) + Count(s)); and how a
/// large batch is cut into rounds of cache-sized shards first (<see cref="RoundLength"/>).</summary>
public static class Shards
{
    /// <summary>Number of shards for <paramref name="batch"/> samples on <paramref name="threads"/> threads.</summary>
    public static int CountFor(int batch, int threads) => Math.Max(1, Math.Min(batch, threads));

    /// <summary>First sample of shard <paramref name="shard"/> of <paramref name="shards"/> (near-equal split, larger shards first).</summary>
    public static int Start(int batch, int shards, int shard)
    {
        int q = batch / shards, r = batch % shards;
        return shard * q + Math.Min(shard, r);
    }

    /// <summary>Samples in shard <paramref name="shard"/>.</summary>
    public static int Length(int batch, int shards, int shard) => batch / shards + (shard < batch % shards ? 1 : 0);

    /// <summary>Samples per round when a batch runs in rounds that give each shard at most <paramref name="microBatch"/>
    /// samples: the whole batch when it fits in one round, else near-equal rounds (the last may be shorter by less than
    /// one sample per round). Rounds reuse the shards' workspaces, so their size stays that of the cache however large the batch.</summary>
    public static int RoundLength(int batch, int threads, int microBatch)
    {
        long most = (long)CountFor(batch, threads) * Math.Max(1, microBatch);
        if (batch <= most) return Math.Max(1, batch);
        long rounds = (batch + most - 1) / most;
        return (int)((batch + rounds - 1) / rounds);
    }
}
