namespace DeepPsych.Dsl.Data;

/// <summary>A random change to a training sample, applied by the <see cref="BatchLoader"/> as the sample is gathered.
/// Seeded: the draw depends only on (loader seed, epoch, sample index), so runs repeat bit for bit.</summary>
public interface IAugmentation
{
    /// <summary>Changes <paramref name="sample"/> (of <paramref name="shape"/>, channels first) in place.</summary>
    void Apply(Span<float> sample, IReadOnlyList<int> shape, ref SeededRandom random);
}

/// <summary>Pads each side by <see cref="Padding"/> pixels of <see cref="Fill"/> and crops a window of the original size at a
/// random offset (<c>torchvision.transforms.RandomCrop(size, padding)</c>). Needs a <c>[C, H, W]</c> sample.</summary>
/// <param name="Padding">Pixels added on each side before cropping; the sample moves by up to this much in each direction.</param>
/// <param name="Fill">Value of the padding (0: the mean, when the data are normalised before augmentation).</param>
public sealed record RandomCrop(int Padding, float Fill = 0f) : IAugmentation
{
    [ThreadStatic] private static float[]? t_scratch;

    /// <inheritdoc/>
    public void Apply(Span<float> sample, IReadOnlyList<int> shape, ref SeededRandom random)
    {
        if (shape.Count != 3) throw new ArgumentException($"RandomCrop needs [C, H, W] samples, not [{string.Join("x", shape)}].");
        if (Padding < 0) throw new ArgumentOutOfRangeException(nameof(Padding), Padding, "RandomCrop padding must be 0 or more.");
        int channels = shape[0], h = shape[1], w = shape[2];
        int dy = random.NextInt(2 * Padding + 1) - Padding, dx = random.NextInt(2 * Padding + 1) - Padding;
        if (dy == 0 && dx == 0) return;
        var scratch = t_scratch is { } s && s.Length >= sample.Length ? s : t_scratch = new float[sample.Length];
        var source = scratch.AsSpan(0, sample.Length);
        sample.CopyTo(source);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
            {
                var row = sample.Slice((c * h + y) * w, w);
                int sy = y + dy;
                if ((uint)sy >= (uint)h) { row.Fill(Fill); continue; }
                var from = source.Slice((c * h + sy) * w, w);
                for (int x = 0; x < w; x++)
                {
                    int sx = x + dx;
                    row[x] = (uint)sx < (uint)w ? from[sx] : Fill;
                }
            }
    }
}

/// <summary>Mirrors the sample left to right with probability <see cref="Probability"/>
/// (<c>torchvision.transforms.RandomHorizontalFlip</c>). Needs a <c>[C, H, W]</c> sample.</summary>
/// <param name="Probability">Chance of a flip.</param>
public sealed record HorizontalFlip(double Probability = 0.5) : IAugmentation
{
    /// <inheritdoc/>
    public void Apply(Span<float> sample, IReadOnlyList<int> shape, ref SeededRandom random)
    {
        if (shape.Count != 3) throw new ArgumentException($"HorizontalFlip needs [C, H, W] samples, not [{string.Join("x", shape)}].");
        if (random.NextDouble() >= Probability) return;
        int w = shape[2];
        for (int start = 0; start < sample.Length; start += w) sample.Slice(start, w).Reverse();
    }
}
