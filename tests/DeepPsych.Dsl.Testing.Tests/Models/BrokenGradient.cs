namespace DeepPsych.Dsl.Testing.Tests.Models;

/// <summary>Wraps a correct network and breaks one backward formula on purpose: the gradient that ComputeGradients
/// adds to one tensor is multiplied by <c>scale</c> (1.1: a wrong factor; −1: a sign error), or only one element of it
/// is negated. Everything else — forward, loss, other tensors — is the wrapped network's.</summary>
public sealed class BrokenGradient(INeuralNetwork inner, string tensor, float scale = 1.1f, int? onlyElement = null) : INeuralNetwork
{
    private readonly ParameterTensor _target = inner.ParameterTensors.Single(p => p.Name == tensor);

    public string Name => inner.Name;
    public IReadOnlyList<int> InputShape => inner.InputShape;
    public IReadOnlyList<int> OutputShape => inner.OutputShape;
    public int InputLength => inner.InputLength;
    public int OutputLength => inner.OutputLength;
    public Loss Loss => inner.Loss;
    public string ArchitectureHash => inner.ArchitectureHash;
    public float[] Parameters => inner.Parameters;
    public float[] Gradients => inner.Gradients;
    public IReadOnlyList<ParameterTensor> ParameterTensors => inner.ParameterTensors;
    public IReadOnlyList<Layer> Layers => inner.Layers;
    public int Threads { get => inner.Threads; set => inner.Threads = value; }
    public int Seed { get => inner.Seed; set => inner.Seed = value; }
    public long Step { get => inner.Step; set => inner.Step = value; }
    /// <summary>Passes the generator's backward source through, so snapshots of the wrapper read as the real network's.</summary>
    public string BackwardSource => inner.BackwardSource;

    public void InitializeParameters(int seed) => inner.InitializeParameters(seed);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => inner.Forward(input, output, batch);
    public void ZeroGradients() => inner.ZeroGradients();
    public string? FirstNonFiniteLayer() => inner.FirstNonFiniteLayer();
    public string Summary() => inner.Summary();

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
    {
        var before = _target.Gradients.ToArray();
        float loss = inner.ComputeGradients(input, labels, batch, outputs);
        Break(before);
        return loss;
    }

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
    {
        var before = _target.Gradients.ToArray();
        float loss = inner.ComputeGradients(input, targets, batch, outputs);
        Break(before);
        return loss;
    }

    /// <summary>Scales only what this step added (the contract accumulates).</summary>
    private void Break(float[] before)
    {
        var g = _target.Gradients;
        for (int i = 0; i < g.Length; i++)
            if (onlyElement is null || onlyElement == i)
                g[i] = before[i] + (onlyElement is null ? scale : -1f) * (g[i] - before[i]);
    }
}
