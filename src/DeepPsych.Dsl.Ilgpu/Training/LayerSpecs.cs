namespace DeepPsych.Dsl.Ilgpu.Training;

/// <summary>One layer of a <see cref="DeviceSequential"/> network. Conv/pool outputs feed dense layers flattened (NCHW order, as PyTorch's flatten).</summary>
/// <param name="Name">Layer name (parameters are <c>Name.weight</c>, <c>Name.bias</c>).</param>
public abstract record LayerSpec(string Name);

/// <summary>Conv2D with bias and a fused activation.</summary>
public sealed record ConvSpec(string Name, int OutChannels, int Kernel, int Stride = 1, int Padding = 0, int Dilation = 1, int Groups = 1, Act Act = Act.None, float LeakySlope = 0.01f) : LayerSpec(Name);

/// <summary>Max pooling (stride 0 = kernel).</summary>
public sealed record MaxPoolSpec(string Name, int Kernel, int Stride = 0, int Padding = 0) : LayerSpec(Name);

/// <summary>Average pooling (stride 0 = kernel).</summary>
public sealed record AvgPoolSpec(string Name, int Kernel, int Stride = 0, int Padding = 0, bool CountIncludePad = true) : LayerSpec(Name);

/// <summary>Global average pooling: C×H×W → C.</summary>
public sealed record GlobalAvgPoolSpec(string Name) : LayerSpec(Name);

/// <summary>Fully connected layer with bias and a fused activation.</summary>
public sealed record DenseSpec(string Name, int Units, Act Act = Act.None, float LeakySlope = 0.01f) : LayerSpec(Name);

/// <summary>A standalone activation.</summary>
public sealed record ActivationSpec(string Name, Act Act, float LeakySlope = 0.01f) : LayerSpec(Name);

/// <summary>Inverted dropout (training only).</summary>
public sealed record DropoutSpec(string Name, float Rate) : LayerSpec(Name);

/// <summary>Ready-made layer lists.</summary>
public static class Architectures
{
    /// <summary>LeNet-5 as in the design guide: C1 conv 6@5x5 pad 2 ReLU, S2 max-pool 2, C3 conv 16@5x5 ReLU, S4 max-pool 2,
    /// F5 dense 120 ReLU, F6 dense 84 ReLU, Output dense 10; softmax cross-entropy. Input 1×28×28.</summary>
    public static IReadOnlyList<LayerSpec> LeNet5 { get; } =
    [
        new ConvSpec("C1", 6, 5, Padding: 2, Act: Act.ReLU),
        new MaxPoolSpec("S2", 2),
        new ConvSpec("C3", 16, 5, Act: Act.ReLU),
        new MaxPoolSpec("S4", 2),
        new DenseSpec("F5", 120, Act.ReLU),
        new DenseSpec("F6", 84, Act.ReLU),
        new DenseSpec("Output", 10),
    ];
}
