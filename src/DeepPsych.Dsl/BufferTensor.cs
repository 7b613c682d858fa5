namespace DeepPsych.Dsl;

/// <summary>A named network buffer: state that training updates but no optimizer touches and no gradient reaches —
/// BatchNorm's <c>running_mean</c> and <c>running_var</c> (float32 views into the network's buffer block) and
/// <c>num_batches_tracked</c> (an int64 scalar, as PyTorch's). Names follow PyTorch's <c>state_dict</c>
/// (<c>bn1.running_mean</c>); checkpoints save and load them beside the parameters.</summary>
public sealed class BufferTensor
{
    private readonly float[]? _values;
    private readonly long[]? _counters;
    private IHostBlockAccess? _access;

    /// <summary>A float32 buffer: the product of <paramref name="shape"/> floats at <paramref name="offset"/> of
    /// <paramref name="block"/>, reset to <paramref name="initialValue"/>.</summary>
    public BufferTensor(string name, int[] shape, int offset, float[] block, float initialValue)
    {
        Name = name;
        Shape = shape;
        Offset = offset;
        Length = 1;
        foreach (var d in shape) Length *= d;
        if (offset < 0 || offset + Length > block.Length)
            throw new ArgumentException($"Buffer '{name}' [{string.Join(", ", shape)}] at offset {offset} does not fit a block of {block.Length} floats.");
        _values = block;
        InitialValue = initialValue;
    }

    /// <summary>An int64 scalar buffer (shape [], as PyTorch's <c>num_batches_tracked</c>): element
    /// <paramref name="index"/> of <paramref name="counters"/>, reset to 0.</summary>
    public BufferTensor(string name, long[] counters, int index)
    {
        if (index < 0 || index >= counters.Length) throw new ArgumentException($"Buffer '{name}': counter {index} does not exist in a block of {counters.Length}.");
        Name = name;
        Shape = [];
        Offset = index;
        Length = 1;
        _counters = counters;
    }

    /// <summary>PyTorch-style name, e.g. <c>bn1.running_mean</c>.</summary>
    public string Name { get; }
    /// <summary>Shape, outermost first ([] for a scalar).</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Offset in the float block (or index in the int64 block).</summary>
    public int Offset { get; }
    /// <summary>Number of elements.</summary>
    public int Length { get; }
    /// <summary>True for an int64 buffer (read <see cref="Int64Values"/>), false for float32 (<see cref="Values"/>).</summary>
    public bool IsInt64 => _counters is not null;
    /// <summary>The value a float buffer starts at and <see cref="Reset"/> restores (running_mean 0, running_var 1).</summary>
    public float InitialValue { get; }

    /// <summary>The float32 values, a view into the network's buffer block (brought down first when the network runs on a device).</summary>
    /// <exception cref="InvalidOperationException">An int64 buffer.</exception>
    public Span<float> Values
    {
        get
        {
            if (_values is null) throw new InvalidOperationException($"Buffer '{Name}' is int64: read Int64Values.");
            _access?.BeforeBufferAccess();
            return _values.AsSpan(Offset, Length);
        }
    }

    /// <summary>The int64 values (one for a scalar).</summary>
    /// <exception cref="InvalidOperationException">A float32 buffer.</exception>
    public Span<long> Int64Values => _counters is null
        ? throw new InvalidOperationException($"Buffer '{Name}' is float32: read Values.")
        : _counters.AsSpan(Offset, 1);

    /// <summary>The whole float buffer block (null for an int64 buffer), for <c>ParameterSharing</c>.</summary>
    internal float[]? FloatBlock => _values;
    /// <summary>The whole int64 counter block (null for a float buffer).</summary>
    internal long[]? CounterBlock => _counters;

    /// <summary>Back to the initial state (PyTorch's <c>reset_running_stats</c>).</summary>
    public void Reset()
    {
        if (_counters is not null) _counters[Offset] = 0;
        else Values.Fill(InitialValue);
    }

    /// <summary>For generated code: routes host access of <see cref="Values"/> through <paramref name="access"/> while the
    /// network's buffer block lives on a device (null: host only).</summary>
    public void AttachHostAccess(IHostBlockAccess? access) => _access = access;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join("x", Shape)}]{(IsInt64 ? " int64" : "")}";
}
