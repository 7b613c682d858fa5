namespace DeepPsych.Dsl.Data;

/// <summary>A labelled classification data set held in memory: <see cref="Count"/> samples of
/// <see cref="SampleShape"/> floats each (e.g. N×1×28×28, row-major, contiguous) and one integer label per sample.</summary>
public sealed class Dataset : IDataset
{
    /// <summary>Wraps <paramref name="images"/> and <paramref name="labels"/> without copying.</summary>
    /// <param name="images">Count × product(<paramref name="sampleShape"/>) floats.</param>
    /// <param name="labels">Count labels, each in [0, number of classes).</param>
    /// <param name="sampleShape">Shape of one sample, e.g. <c>[1, 28, 28]</c>.</param>
    /// <param name="classNames">One name per class; its length is the number of classes.</param>
    /// <param name="name">A name for messages and logs.</param>
    /// <exception cref="DataFormatException">The arrays do not agree with each other or a label is out of range.</exception>
    public Dataset(float[] images, int[] labels, int[] sampleShape, IReadOnlyList<string> classNames, string name = "dataset")
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(classNames);
        int sampleLength = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0) throw new ArgumentException($"Sample shape [{string.Join(", ", sampleShape)}] has a non-positive dimension.", nameof(sampleShape));
            sampleLength *= d;
        }
        if ((long)labels.Length * sampleLength != images.Length)
            throw new DataFormatException(
                $"{name}: {labels.Length} labels need {(long)labels.Length * sampleLength} floats of images ({labels.Length} × {sampleLength}), found {images.Length} " +
                $"({(double)images.Length / sampleLength} samples).", name);
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classNames.Count)
                throw new DataFormatException($"{name}: label {labels[i]} of sample {i} is outside [0, {classNames.Count}).", name);

        Images = images;
        Labels = labels;
        SampleShape = sampleShape;
        SampleLength = sampleLength;
        ClassNames = classNames;
        Name = name;
    }

    /// <summary>A name for messages and logs (e.g. <c>fashion-mnist/train</c>).</summary>
    public string Name { get; }
    /// <summary>All samples, one after another.</summary>
    public float[] Images { get; }
    /// <summary>One class index per sample.</summary>
    public int[] Labels { get; }
    /// <summary>Shape of one sample.</summary>
    public IReadOnlyList<int> SampleShape { get; }
    /// <summary>Floats per sample.</summary>
    public int SampleLength { get; }
    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;
    /// <summary>The normalisation applied by <see cref="Normalize"/>, or null while the data is as loaded.</summary>
    public Normalization? Normalization { get; private set; }

    /// <inheritdoc/>
    public int TargetLength => 0;

    /// <inheritdoc/>
    public int Read(int index, Span<float> input, Span<float> target)
    {
        Images.AsSpan(index * SampleLength, SampleLength).CopyTo(input);
        return Labels[index];
    }

    /// <summary>The floats of sample <paramref name="index"/>.</summary>
    public Span<float> Sample(int index) => Images.AsSpan(checked(index * SampleLength), SampleLength);

    /// <summary>Applies <c>x ← (x − mean) / std</c> in place and records it in <see cref="Normalization"/>.</summary>
    /// <exception cref="InvalidOperationException">The data set was already normalised.</exception>
    public Dataset Normalize(Normalization normalization)
    {
        if (Normalization is { } done)
            throw new InvalidOperationException($"{Name} is already normalised ({done}); normalising twice would distort it.");
        normalization.Apply(Images);
        Normalization = normalization;
        return this;
    }

    /// <summary>A copy of samples [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>).</summary>
    public Dataset Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (start + count > Count) throw new ArgumentOutOfRangeException(nameof(count), $"[{start}, {start + count}) exceeds the {Count} samples of {Name}.");
        var slice = new Dataset(Images.AsSpan(start * SampleLength, count * SampleLength).ToArray(), Labels.AsSpan(start, count).ToArray(),
            [.. SampleShape], ClassNames, $"{Name}[{start}..{start + count}]");
        slice.Normalization = Normalization;
        return slice;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} × [{string.Join("x", SampleShape)}], {ClassCount} classes";
}

/// <summary>Per-data-set input normalisation <c>x ← (x − Mean) / Std</c>, as <c>torchvision.transforms.Normalize</c>
/// with one channel. Compute it on the training set and apply the same values to the test set.</summary>
/// <param name="Mean">Subtracted from every value.</param>
/// <param name="Std">Divides every value after the mean is subtracted; must be positive.</param>
public readonly record struct Normalization(float Mean, float Std)
{
    /// <summary>The mean and (population) standard deviation of every value in <paramref name="values"/>, accumulated in double.</summary>
    public static Normalization Compute(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty) throw new ArgumentException("Cannot compute a mean and standard deviation of no values.", nameof(values));
        double sum = 0, sumSq = 0;
        foreach (float v in values) { sum += v; sumSq += (double)v * v; }
        double mean = sum / values.Length;
        double variance = Math.Max(0, sumSq / values.Length - mean * mean);
        return new Normalization((float)mean, (float)Math.Sqrt(variance));
    }

    /// <summary>The mean and standard deviation of <paramref name="dataset"/>'s images.</summary>
    public static Normalization Compute(Dataset dataset) => Compute(dataset.Images);

    /// <summary>Normalises <paramref name="values"/> in place.</summary>
    public void Apply(Span<float> values)
    {
        if (!(Std > 0) || !float.IsFinite(Mean))
            throw new ArgumentException($"Normalisation needs a finite mean and a positive std; got mean {Mean}, std {Std}.");
        float mean = Mean, inv = 1f / Std;
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - mean) * inv;
    }

    /// <inheritdoc/>
    public override string ToString() => $"mean {Mean:G6}, std {Std:G6}";
}
