namespace DeepPsych.Dsl;

/// <summary>A layer of a generated network, as seen by user code: its name, kind, output shape, parameters and cost.</summary>
public abstract class Layer(string name, string kind, int[] outputShape, long flopsPerSample, ParameterTensor[] parameters)
{
    /// <summary>The property name the layer was declared with.</summary>
    public string Name { get; } = name;
    /// <summary>The layer kind, e.g. <c>Conv2D</c> or <c>MaxPool2D</c>.</summary>
    public string Kind { get; } = kind;
    /// <summary>Output shape of one sample.</summary>
    public IReadOnlyList<int> OutputShape { get; } = outputShape;
    /// <summary>Forward floating-point operations for one sample (a multiply-add counts 2).</summary>
    public long FlopsPerSample { get; } = flopsPerSample;
    /// <summary>The layer's parameter tensors (weight first, then bias), possibly empty.</summary>
    public IReadOnlyList<ParameterTensor> Parameters { get; } = parameters;

    /// <summary>The layer applied to a value in a network's <c>Tensor Forward(Tensor x)</c> method (PyTorch's
    /// <c>self.conv1(x)</c>): the generator reads the call at build time; at run time it throws (see <see cref="Tensor"/>).</summary>
    public Tensor Forward(Tensor x) => throw Tensor.Symbolic(Name + ".Forward");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Kind}) → {string.Join("x", OutputShape)}";
}

/// <summary>A layer with a weight tensor and an optional bias.</summary>
public abstract class WeightedLayer(string name, string kind, int[] outputShape, long flops, ParameterTensor weights, ParameterTensor? bias)
    : Layer(name, kind, outputShape, flops, bias is null ? [weights] : [weights, bias])
{
    /// <summary>The weights (OIHW for convolutions, [out, in] for dense layers).</summary>
    public ParameterTensor Weights { get; } = weights;
    /// <summary>The bias, or null when the layer was declared with <c>Bias = false</c>.</summary>
    public ParameterTensor? Bias { get; } = bias;
}

/// <summary>A 2-D convolution layer (with its fused activation).</summary>
public sealed class Conv2D(string name, int[] outputShape, long flops, ParameterTensor weights, ParameterTensor? bias)
    : WeightedLayer(name, "Conv2D", outputShape, flops, weights, bias);

/// <summary>A fully connected layer (with its fused activation).</summary>
public sealed class Dense(string name, int[] outputShape, long flops, ParameterTensor weights, ParameterTensor? bias)
    : WeightedLayer(name, "Dense", outputShape, flops, weights, bias);

/// <summary>A pooling layer: max, average or global average.</summary>
public sealed class Pool(string name, string kind, int[] outputShape, long flops) : Layer(name, kind, outputShape, flops, []);

/// <summary>A local response normalisation layer (across channels; no parameters).</summary>
public sealed class LocalResponseNorm(string name, int[] outputShape, long flops) : Layer(name, "LocalResponseNorm", outputShape, flops, []);

/// <summary>A batch-normalisation layer (BatchNorm2D or BatchNorm1D): γ, β (when affine) and its buffers running_mean,
/// running_var and num_batches_tracked.</summary>
public sealed class BatchNorm(string name, string kind, int[] outputShape, long flops, ParameterTensor[] parameters, BufferTensor[] buffers)
    : Layer(name, kind, outputShape, flops, parameters)
{
    /// <summary>γ (PyTorch's <c>weight</c>), or null when declared with <c>Affine = false</c>.</summary>
    public ParameterTensor? Weight => Parameters.Count > 0 ? Parameters[0] : null;
    /// <summary>β (PyTorch's <c>bias</c>), or null when declared with <c>Affine = false</c>.</summary>
    public ParameterTensor? Bias => Parameters.Count > 1 ? Parameters[1] : null;
    /// <summary>running_mean, running_var and num_batches_tracked.</summary>
    public IReadOnlyList<BufferTensor> Buffers { get; } = buffers;
    /// <summary>The running mean per channel.</summary>
    public BufferTensor RunningMean => Buffers[0];
    /// <summary>The running (unbiased) variance per channel.</summary>
    public BufferTensor RunningVar => Buffers[1];
    /// <summary>Training steps that moved the running statistics (int64, as PyTorch's).</summary>
    public BufferTensor NumBatchesTracked => Buffers[2];
}

/// <summary>A standalone activation layer.</summary>
public sealed class Activation(string name, int[] outputShape, long flops) : Layer(name, "Activation", outputShape, flops, []);

/// <summary>An inverted-dropout layer (identity at inference).</summary>
public sealed class Dropout(string name, int[] outputShape) : Layer(name, "Dropout", outputShape, 0, []);

/// <summary>A flatten layer (a view: no copy, no cost).</summary>
public sealed class Flatten(string name, int[] outputShape) : Layer(name, "Flatten", outputShape, 0, []);

/// <summary>An identity layer (a view: no copy, no cost).</summary>
public sealed class Identity(string name, int[] outputShape) : Layer(name, "Identity", outputShape, 0, []);

/// <summary>A node that joins values in a <c>Forward(Tensor)</c> graph: a residual <c>+</c> (kind Add) or a <c>Concat</c>. It
/// has no property; the generator names it (Add1, Concat1, …).</summary>
public sealed class Merge(string name, string kind, int[] outputShape, long flops) : Layer(name, kind, outputShape, flops, []);
