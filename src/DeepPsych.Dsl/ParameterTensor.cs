namespace DeepPsych.Dsl;

/// <summary>A named view of one parameter tensor inside a network's single contiguous parameter block, with the
/// matching view of the gradient block. Names and layouts follow PyTorch (<c>C1.weight</c> is OIHW, <c>F5.weight</c> is [out, in]).</summary>
public sealed class ParameterTensor
{
    private readonly float[] _values;
    private readonly float[] _gradients;
    private IHostBlockAccess? _access;

    /// <summary>Creates a view of the product of <paramref name="shape"/> floats at <paramref name="offset"/> in both blocks.</summary>
    public ParameterTensor(string name, int[] shape, int offset, float[] values, float[] gradients, int fanIn = 0, int fanOut = 0, Init init = Init.Auto)
    {
        Name = name;
        Shape = shape;
        Offset = offset;
        Length = 1;
        foreach (var d in shape) Length *= d;
        if (offset < 0 || offset + Length > values.Length || values.Length != gradients.Length)
            throw new ArgumentException($"Parameter '{name}' [{string.Join(", ", shape)}] at offset {offset} does not fit a block of {values.Length} floats.");
        _values = values;
        _gradients = gradients;
        FanIn = fanIn;
        FanOut = fanOut;
        Init = init;
    }

    /// <summary>The whole parameter block this tensor is a view of (for <c>ParameterSharing</c>).</summary>
    internal float[] ValueBlock => _values;
    /// <summary>The whole gradient block this tensor is a view of.</summary>
    internal float[] GradientBlock => _gradients;

    /// <summary>PyTorch-style name, e.g. <c>C1.weight</c> or <c>C1.bias</c>.</summary>
    public string Name { get; }
    /// <summary>Shape, outermost first.</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Offset of the first element in the parameter (and gradient) block.</summary>
    public int Offset { get; }
    /// <summary>Number of elements.</summary>
    public int Length { get; }
    /// <summary>Inputs feeding one output unit (for initialisation); 0 for biases.</summary>
    public int FanIn { get; }
    /// <summary>Outputs fed by one input unit (for Xavier initialisation).</summary>
    public int FanOut { get; }
    /// <summary>The initialiser chosen at compile time.</summary>
    public Init Init { get; }
    /// <summary>Whether this tensor is a bias (initialised to zero).</summary>
    public bool IsBias => Name.EndsWith(".bias", StringComparison.Ordinal);

    /// <summary>The values, a view into the network's parameter block (brought down first when the network runs on a device).</summary>
    public Span<float> Values
    {
        get { _access?.BeforeHostAccess(gradients: false); return _values.AsSpan(Offset, Length); }
    }

    /// <summary>The accumulated gradients, a view into the network's gradient block (brought down first when the network runs on a device).</summary>
    public Span<float> Gradients
    {
        get { _access?.BeforeHostAccess(gradients: true); return _gradients.AsSpan(Offset, Length); }
    }

    /// <summary>For generated code: routes every host access of <see cref="Values"/> and <see cref="Gradients"/> through
    /// <paramref name="access"/> while the network's blocks live on a device (null: host only).</summary>
    public void AttachHostAccess(IHostBlockAccess? access) => _access = access;

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join("x", Shape)}]";
}

/// <summary>Told before the host reads or writes a network's parameter or gradient block, so a device that holds newer
/// values can bring them down first and upload the host's values again before its next use (see
/// <c>DeepPsych.Dsl.Devices.DeviceTrainingState</c>).</summary>
public interface IHostBlockAccess
{
    /// <summary>The host is about to read or write the parameter block (<paramref name="gradients"/> false) or the gradient block.</summary>
    void BeforeHostAccess(bool gradients);

    /// <summary>The host is about to read or write the network's buffer block (BatchNorm's running statistics).</summary>
    void BeforeBufferAccess() { }
}
