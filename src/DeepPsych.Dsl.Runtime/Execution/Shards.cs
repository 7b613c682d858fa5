namespace DeepPsych.Dsl.Execution;

/// <summary>How a batch is split across threads: shard <c>s</c> covers samples [Start(s), Start(s) + Count(s)).</summary>
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
}
