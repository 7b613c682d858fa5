namespace DeepPsych.Dsl.Testing.Tests.Models;

/// <summary>Forwards every member to <see cref="Inner"/>; a test double overrides only what it changes.</summary>
public abstract class DelegatingNetwork(INeuralNetwork inner) : INeuralNetwork
{
    protected INeuralNetwork Inner { get; } = inner;

    public string Name => Inner.Name;
    public IReadOnlyList<int> InputShape => Inner.InputShape;
    public IReadOnlyList<int> OutputShape => Inner.OutputShape;
    public int InputLength => Inner.InputLength;
    public int OutputLength => Inner.OutputLength;
    public Loss Loss => Inner.Loss;
    public string ArchitectureHash => Inner.ArchitectureHash;
    public float[] Parameters => Inner.Parameters;
    public float[] Gradients => Inner.Gradients;
    public IReadOnlyList<ParameterTensor> ParameterTensors => Inner.ParameterTensors;
    public IReadOnlyList<Layer> Layers => Inner.Layers;
    public int Threads { get => Inner.Threads; set => Inner.Threads = value; }
    public int Seed { get => Inner.Seed; set => Inner.Seed = value; }
    public long Step { get => Inner.Step; set => Inner.Step = value; }
    /// <summary>Passes the generator's backward source through, so snapshots of a wrapper read as the real network's.</summary>
    public string BackwardSource => Inner.BackwardSource;

    public void InitializeParameters(int seed) => Inner.InitializeParameters(seed);
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => Inner.Forward(input, output, batch);
    public void ZeroGradients() => Inner.ZeroGradients();
    public virtual string? FirstNonFiniteLayer() => Inner.FirstNonFiniteLayer();
    public string Summary() => Inner.Summary();

    public virtual float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
        => Inner.ComputeGradients(input, labels, batch, outputs);

    public virtual float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
        => Inner.ComputeGradients(input, targets, batch, outputs);
}
