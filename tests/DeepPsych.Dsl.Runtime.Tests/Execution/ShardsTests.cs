using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Tests.Execution;

public class ShardsTests
{
    [Theory]
    [InlineData(300, 2, 128, 150)]      // two rounds of 150 rather than 256 + 44
    [InlineData(256, 2, 128, 256)]      // fits one round
    [InlineData(60000, 2, 128, 256)]    // 235 rounds, the last of 96
    [InlineData(7, 4, 1, 4)]            // micro-batches of one: rounds of 4, 3
    [InlineData(0, 2, 128, 1)]
    public void Rounds_are_near_equal_and_give_no_shard_more_than_the_micro_batch(int batch, int threads, int micro, int expected)
    {
        int length = Shards.RoundLength(batch, threads, micro);
        Assert.Equal(expected, length);
        for (int first = 0; first < batch; first += length)
        {
            int count = Math.Min(length, batch - first), shards = Shards.CountFor(count, threads);
            Assert.True(Shards.Length(count, shards, 0) <= micro, $"round at {first}: {Shards.Length(count, shards, 0)} samples per shard > {micro}");
        }
    }

    [Fact]
    public void Shards_cover_the_batch_once_larger_shards_first()
    {
        for (int batch = 1; batch < 40; batch++)
            for (int threads = 1; threads <= 5; threads++)
            {
                int shards = Shards.CountFor(batch, threads), next = 0;
                for (int s = 0; s < shards; s++)
                {
                    Assert.Equal(next, Shards.Start(batch, shards, s));
                    Assert.True(Shards.Length(batch, shards, s) >= 1);
                    if (s > 0) Assert.True(Shards.Length(batch, shards, s) <= Shards.Length(batch, shards, s - 1));
                    next += Shards.Length(batch, shards, s);
                }
                Assert.Equal(batch, next);
            }
    }
}
