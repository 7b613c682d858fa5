namespace DeepPsych.Dsl.Data;

/// <summary>Per-channel input normalisation <c>x[c] ← (x[c] − Mean[c]) / Std[c]</c>, as
/// <c>torchvision.transforms.Normalize(mean, std)</c>. Compute it on the training set and apply the same values to the
/// validation and test sets (and to anything you predict on).</summary>
/// <remarks>A sample of shape <c>[C, H, W]</c> has C channels; any other shape counts as one channel. One channel is
/// exactly <see cref="Normalization"/> (which converts implicitly).</remarks>
public sealed record ChannelNormalization
{
    /// <summary>Creates a normalisation from one mean and one standard deviation per channel.</summary>
    public ChannelNormalization(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalisation needs one mean and one std per channel; got {mean.Length} means and {std.Length} stds.");
        for (int c = 0; c < mean.Length; c++)
            if (!float.IsFinite(mean[c]) || !(std[c] > 0) || !float.IsFinite(std[c]))
                throw new ArgumentException($"Normalisation of channel {c} needs a finite mean and a positive std; got mean {mean[c]}, std {std[c]}.");
        Mean = mean;
        Std = std;
    }

    /// <summary>Subtracted per channel.</summary>
    public float[] Mean { get; }
    /// <summary>Divides per channel after the mean is subtracted.</summary>
    public float[] Std { get; }
    /// <summary>Number of channels.</summary>
    public int Channels => Mean.Length;

    /// <summary>One channel.</summary>
    public static implicit operator ChannelNormalization(Normalization n) => new([n.Mean], [n.Std]);

    /// <summary>Channels of a sample of <paramref name="shape"/>: the first dimension of a rank-3 shape, otherwise 1.</summary>
    public static int ChannelsOf(IReadOnlyList<int> shape) => shape.Count == 3 ? shape[0] : 1;

    /// <summary>The per-channel mean and (population) standard deviation of every sample of <paramref name="data"/>,
    /// accumulated in double (one pass; for an image folder this decodes every image once).</summary>
    public static ChannelNormalization Compute(IDataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Count == 0) throw new ArgumentException($"{data.Name} is empty: there is nothing to compute a mean and std from.", nameof(data));
        int channels = ChannelsOf(data.SampleShape), plane = data.SampleLength / channels;
        var sum = new double[channels];
        var sumSq = new double[channels];
        var sample = new float[data.SampleLength];
        var target = new float[data.TargetLength];
        for (int i = 0; i < data.Count; i++)
        {
            data.Read(i, sample, target);
            for (int c = 0; c < channels; c++)
                foreach (float v in sample.AsSpan(c * plane, plane)) { sum[c] += v; sumSq[c] += (double)v * v; }
        }
        var mean = new float[channels];
        var std = new float[channels];
        double n = (double)data.Count * plane;
        for (int c = 0; c < channels; c++)
        {
            double m = sum[c] / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(0, sumSq[c] / n - m * m));
            if (!(std[c] > 0))
                throw new ArgumentException($"{data.Name}: channel {c} has the same value {m} in every sample (std 0), so it cannot be normalised. Drop the channel or normalise with a fixed std.", nameof(data));
        }
        return new ChannelNormalization(mean, std);
    }

    /// <summary>Normalises one sample (<paramref name="sample"/>.Length must be a multiple of <see cref="Channels"/>) in place.</summary>
    public void Apply(Span<float> sample)
    {
        if (sample.Length % Channels != 0)
            throw new ArgumentException($"A sample of {sample.Length} floats does not split into {Channels} channels.");
        int plane = sample.Length / Channels;
        for (int c = 0; c < Channels; c++)
        {
            float mean = Mean[c], inv = 1f / Std[c];
            var values = sample.Slice(c * plane, plane);
            for (int i = 0; i < values.Length; i++) values[i] = (values[i] - mean) * inv;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Channels == 1
        ? $"mean {Mean[0]:G6}, std {Std[0]:G6}"
        : $"mean [{string.Join(", ", Mean.Select(m => m.ToString("G6")))}], std [{string.Join(", ", Std.Select(s => s.ToString("G6")))}]";
}

/// <summary>A data set whose samples are normalised as they are read (see <see cref="DatasetExtensions.Normalized"/>).</summary>
internal sealed class NormalizedDataset : IDataset
{
    private readonly IDataset _inner;

    public NormalizedDataset(IDataset inner, ChannelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(normalization);
        int channels = ChannelNormalization.ChannelsOf(inner.SampleShape);
        if (normalization.Channels != channels)
            throw new ArgumentException($"{inner.Name} has {channels} channel(s) [{string.Join("x", inner.SampleShape)}]; the normalisation has {normalization.Channels}.");
        _inner = inner;
        Normalization = normalization;
    }

    public ChannelNormalization Normalization { get; }
    public string Name => _inner.Name;
    public int Count => _inner.Count;
    public IReadOnlyList<int> SampleShape => _inner.SampleShape;
    public int SampleLength => _inner.SampleLength;
    public IReadOnlyList<string> ClassNames => _inner.ClassNames;
    public int TargetLength => _inner.TargetLength;

    public int Read(int index, Span<float> input, Span<float> target)
    {
        int label = _inner.Read(index, input, target);
        Normalization.Apply(input);
        return label;
    }

    public override string ToString() => $"{_inner}, normalised ({Normalization})";
}
