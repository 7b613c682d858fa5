using DeepPsych.Dsl.Data;

namespace DeepPsych.Dsl.Tests.Data;

public sealed class ChannelNormalizationTests
{
    /// <summary>20 samples of [2, 3, 3]: channel 0 around 10, channel 1 around −4, seeded.</summary>
    private static Dataset TwoChannels()
    {
        var random = new Random(2);
        var images = new float[20 * 18];
        for (int i = 0; i < images.Length; i++) images[i] = (i / 9 % 2 == 0 ? 10f : -4f) + (float)random.NextDouble() * 3;
        return new Dataset(images, new int[20], [2, 3, 3], ["x"], "two-channels");
    }

    [Fact]
    public void Computes_one_mean_and_std_per_channel_as_a_double_reference()
    {
        var data = TwoChannels();
        var norm = ChannelNormalization.Compute(data);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, data.Images.Length).Where(i => i / 9 % 2 == c).Select(i => (double)data.Images[i]).ToArray();
            double mean = values.Average(), std = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
            Assert.Equal(mean, norm.Mean[c], 4);
            Assert.Equal(std, norm.Std[c], 4);
        }
    }

    [Fact]
    public void A_normalised_data_set_reads_zero_mean_unit_std_per_channel()
    {
        var data = TwoChannels();
        var original = (float[])data.Images.Clone();
        var normalized = data.Normalized(ChannelNormalization.Compute(data));
        var all = new float[data.Images.Length];
        for (int i = 0; i < data.Count; i++) normalized.Read(i, all.AsSpan(i * 18, 18), default);
        for (int c = 0; c < 2; c++)
        {
            var values = Enumerable.Range(0, all.Length).Where(i => i / 9 % 2 == c).Select(i => (double)all[i]).ToArray();
            Assert.Equal(0, values.Average(), 4);
            Assert.Equal(1, Math.Sqrt(values.Average(v => v * v)), 4);
        }
        Assert.Equal(original, data.Images); // normalised as read: the source is untouched
    }

    [Fact]
    public void Mismatched_channels_and_constant_channels_are_refused_with_the_reason()
    {
        var data = TwoChannels();
        var e = Assert.Throws<ArgumentException>(() => data.Normalized(new Normalization(0.5f, 0.2f)));
        Assert.Contains("has 2 channel(s)", e.Message);
        var flat = new Dataset(new float[8], new int[2], [1, 2, 2], ["x"], "flat");
        var constant = Assert.Throws<ArgumentException>(() => ChannelNormalization.Compute(flat));
        Assert.Contains("std 0", constant.Message);
    }
}
