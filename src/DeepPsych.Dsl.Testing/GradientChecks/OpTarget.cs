using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>Forward of a single op: reads <paramref name="inputs"/> (in the order given to the check) and overwrites <paramref name="output"/>.</summary>
public delegate void OpForward(IReadOnlyList<float[]> inputs, float[] output);

/// <summary>Backward of a single op: given the inputs, the forward output and dL/d(output), ADDS dL/d(input) into
/// <paramref name="inputGradients"/> (one array per input, zeroed by the check before the call).</summary>
public delegate void OpBackward(IReadOnlyList<float[]> inputs, float[] output, float[] outputGradient, IReadOnlyList<float[]> inputGradients);

/// <summary>An input of an op under check. <paramref name="Differentiable"/> = false for inputs that are held fixed
/// (indices, masks): they are passed to forward and backward but not checked.</summary>
public sealed record OpInput(string Name, int[] Shape, float[] Values, bool Differentiable = true)
{
    /// <summary>A seeded N(0, scale²) input of the given shape.</summary>
    public static OpInput Random(string name, int[] shape, int seed, double scale = 1.0)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        var rng = new TestRandom(GradientCheckEngine.HashCode(seed, name));
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(scale * rng.Gaussian());
        return new OpInput(name, shape, v);
    }
}

/// <summary>A single op as a check target: loss L = Σₖ wₖ yₖ (accumulated in double) with seeded weights w ~ N(0, 1),
/// so dL/dy = w, an arbitrary upstream gradient.</summary>
internal sealed class OpTarget : ICheckTarget
{
    private readonly IReadOnlyList<OpInput> _inputs;
    private readonly float[][] _arrays;
    private readonly int[] _checked;
    private readonly float[] _output, _weights;
    private readonly OpForward _forward;
    private readonly OpBackward _backward;

    public OpTarget(IReadOnlyList<OpInput> inputs, int outputLength, OpForward forward, OpBackward backward, int seed)
    {
        _inputs = inputs;
        _arrays = inputs.Select(i => i.Values).ToArray();
        _checked = Enumerable.Range(0, inputs.Count).Where(i => inputs[i].Differentiable).ToArray();
        _output = new float[outputLength];
        var rng = new TestRandom(GradientCheckEngine.HashCode(seed, "upstream"));
        _weights = new float[outputLength];
        for (int k = 0; k < outputLength; k++) _weights[k] = (float)rng.Gaussian();
        _forward = forward; _backward = backward;
    }

    public int TensorCount => _checked.Length;
    public string TensorName(int t) => _inputs[_checked[t]].Name;
    public IReadOnlyList<int> TensorShape(int t) => _inputs[_checked[t]].Shape;
    public Span<float> Values(int t) => _arrays[_checked[t]];

    private float[][] _last = [];

    /// <summary>Forward, the loss, and backward (so <see cref="Gradient"/> holds the gradient at this point too).</summary>
    public double Loss()
    {
        _forward(_arrays, _output);
        double l = 0;
        for (int k = 0; k < _output.Length; k++) l += (double)_weights[k] * _output[k];
        _last = _arrays.Select(a => new float[a.Length]).ToArray();
        _backward(_arrays, _output, (float[])_weights.Clone(), _last);
        return l;
    }

    public ReadOnlySpan<float> Gradient(int t) => _last[_checked[t]];

    public float[][] AnalyticGradients()
    {
        Loss();
        return _checked.Select(i => (float[])_last[i].Clone()).ToArray();
    }
}
