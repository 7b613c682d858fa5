namespace DeepPsych.Dsl;

/// <summary>The contract every generated network implements. Batches are NCHW (or N×features), row-major, contiguous.</summary>
public interface INeuralNetwork
{
    /// <summary>The class name.</summary>
    string Name { get; }
    /// <summary>Shape of one input sample.</summary>
    IReadOnlyList<int> InputShape { get; }
    /// <summary>Shape of one output sample.</summary>
    IReadOnlyList<int> OutputShape { get; }
    /// <summary>Floats per input sample.</summary>
    int InputLength { get; }
    /// <summary>Floats per output sample.</summary>
    int OutputLength { get; }
    /// <summary>The training loss declared on the class.</summary>
    Loss Loss { get; }
    /// <summary>A hash of the architecture (layers, options, shapes); checkpoints are bound to it.</summary>
    string ArchitectureHash { get; }

    /// <summary>All parameters in one contiguous block.</summary>
    float[] Parameters { get; }
    /// <summary>All gradients in one block, laid out as <see cref="Parameters"/>.</summary>
    float[] Gradients { get; }
    /// <summary>Named views into the two blocks, in declaration order.</summary>
    IReadOnlyList<ParameterTensor> ParameterTensors { get; }
    /// <summary>Named buffers (BatchNorm's running_mean, running_var, num_batches_tracked), in declaration order: state
    /// that training moves but no optimizer touches; checkpoints save them with the parameters. Empty for networks without
    /// them (and for hand-written implementations).</summary>
    IReadOnlyList<BufferTensor> Buffers => [];
    /// <summary>The layers in declaration order.</summary>
    IReadOnlyList<Layer> Layers { get; }

    /// <summary>Threads used to split a batch (data parallel). Defaults to the processor count.</summary>
    int Threads { get; set; }
    /// <summary>Seed of dropout masks; the mask of a step is a pure function of (seed, <see cref="Step"/>, element).</summary>
    int Seed { get; set; }
    /// <summary>Training steps taken so far (advanced by <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>).</summary>
    long Step { get; set; }

    /// <summary>Seeded initialisation: He for ReLU-family layers, Xavier/Glorot for the rest, zero biases.</summary>
    void InitializeParameters(int seed);

    /// <summary>Inference: writes <c>batch × OutputLength</c> raw outputs (logits for softmax networks). Dropout is off.</summary>
    void Forward(ReadOnlySpan<float> input, Span<float> output, int batch);

    /// <summary>Training forward, softmax + cross-entropy, and backward. Adds the gradients of the mean loss to
    /// <see cref="Gradients"/> (call <see cref="ZeroGradients"/> first) and returns that mean loss.
    /// Optionally copies the training-mode outputs into <paramref name="outputs"/>.</summary>
    float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default);

    /// <summary>As the label overload, for networks declared with <see cref="Loss.MeanSquaredError"/>.</summary>
    float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default);

    /// <summary>Sets every gradient to zero.</summary>
    void ZeroGradients();

    /// <summary>The name of the first layer, in forward order, whose output in the last training step holds NaN or ±∞,
    /// or null when every output was finite. Trainers call it to name where a divergence started.</summary>
    string? FirstNonFiniteLayer();

    /// <summary>The layer table: layer, kind, output shape, parameters, FLOPs.</summary>
    string Summary();

    /// <summary>The C# source of the generated backward pass, as emitted (for gradient snapshots and review).</summary>
    string BackwardSource { get; }
}
