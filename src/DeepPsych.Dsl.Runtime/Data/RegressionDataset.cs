namespace DeepPsych.Dsl.Data;

/// <summary>A regression data set held in memory: <see cref="Count"/> samples of <see cref="SampleShape"/> floats and
/// <see cref="TargetLength"/> float targets each (for networks declared with <see cref="Loss.MeanSquaredError"/>).</summary>
public sealed class RegressionDataset : IDataset
{
    /// <summary>Wraps <paramref name="inputs"/> and <paramref name="targets"/> without copying.</summary>
    /// <param name="inputs">Count × product(<paramref name="sampleShape"/>) floats.</param>
    /// <param name="targets">Count × <paramref name="targetLength"/> floats.</param>
    /// <param name="sampleShape">Shape of one sample, e.g. <c>[8]</c>.</param>
    /// <param name="targetLength">Target floats per sample (the network's output length).</param>
    /// <param name="name">A name for messages and logs.</param>
    /// <exception cref="DataFormatException">The arrays do not hold the same number of samples.</exception>
    public RegressionDataset(float[] inputs, float[] targets, int[] sampleShape, int targetLength = 1, string name = "regression")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetLength, 1);
        int sampleLength = DatasetExtensions.Product(sampleShape, "Sample shape");
        if (inputs.Length % sampleLength != 0 || targets.Length % targetLength != 0 || inputs.Length / sampleLength != targets.Length / targetLength)
            throw new DataFormatException(
                $"{name}: {inputs.Length} input floats are {(double)inputs.Length / sampleLength} samples of {sampleLength}, but {targets.Length} target floats are " +
                $"{(double)targets.Length / targetLength} targets of {targetLength}; they must pair one to one.", name);
        Inputs = inputs;
        Targets = targets;
        SampleShape = sampleShape;
        SampleLength = sampleLength;
        TargetLength = targetLength;
        Name = name;
    }

    /// <inheritdoc/>
    public string Name { get; }
    /// <summary>All samples, one after another.</summary>
    public float[] Inputs { get; }
    /// <summary>All targets, one after another.</summary>
    public float[] Targets { get; }
    /// <inheritdoc/>
    public IReadOnlyList<int> SampleShape { get; }
    /// <inheritdoc/>
    public int SampleLength { get; }
    /// <inheritdoc/>
    public int TargetLength { get; }
    /// <inheritdoc/>
    public int Count => Targets.Length / TargetLength;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => [];

    /// <inheritdoc/>
    public int Read(int index, Span<float> input, Span<float> target)
    {
        Inputs.AsSpan(index * SampleLength, SampleLength).CopyTo(input);
        Targets.AsSpan(index * TargetLength, TargetLength).CopyTo(target);
        return -1;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} × [{string.Join("x", SampleShape)}] → {TargetLength} targets";
}

/// <summary>Some samples of another data set, by index, read through (see <see cref="DatasetExtensions.Subset"/>).</summary>
internal sealed class SubsetDataset : IDataset
{
    private readonly IDataset _inner;
    private readonly int[] _indices;

    public SubsetDataset(IDataset inner, int[] indices, string? name)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(indices);
        foreach (int i in indices)
            if ((uint)i >= (uint)inner.Count) throw new ArgumentOutOfRangeException(nameof(indices), $"Index {i} is outside the {inner.Count} samples of {inner.Name}.");
        _inner = inner;
        _indices = indices;
        Name = name ?? $"{inner.Name}[{indices.Length} samples]";
    }

    public string Name { get; }
    public int Count => _indices.Length;
    public IReadOnlyList<int> SampleShape => _inner.SampleShape;
    public int SampleLength => _inner.SampleLength;
    public IReadOnlyList<string> ClassNames => _inner.ClassNames;
    public int TargetLength => _inner.TargetLength;
    public int Read(int index, Span<float> input, Span<float> target) => _inner.Read(_indices[index], input, target);
    public override string ToString() => $"{Name}: {Count} samples of {_inner.Name}";
}
