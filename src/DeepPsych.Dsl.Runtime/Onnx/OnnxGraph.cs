using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Onnx;

/// <summary>
/// A generated network described as an ONNX graph (inference: dropout is the identity, the loss is not part of it,
/// the output is the network's raw output — logits for a softmax classifier). Each layer kind's generator file says
/// which ONNX node(s) it is (<c>Onnx</c> in generators/DeepPsych.Dsl.Generators/Layers/); the generated class hands
/// them over as this data, and <see cref="OnnxExport"/> serialises it with the parameters as initializers.
/// </summary>
/// <param name="Name">The network (graph) name.</param>
/// <param name="InputShape">One input sample's shape; the graph input is [N, …] with a symbolic batch N.</param>
/// <param name="OutputShape">One output sample's shape.</param>
/// <param name="Parameters">The network's parameter tensors, written as initializers under their PyTorch names.</param>
/// <param name="Nodes">The nodes in topological order, from the value <see cref="Input"/> to <see cref="Output"/>.</param>
/// <param name="Constants">Constant tensors some nodes read besides the parameters (shapes, pooling matrices).</param>
public sealed record OnnxGraph(
    string Name,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<int> OutputShape,
    IReadOnlyList<ParameterTensor> Parameters,
    IReadOnlyList<OnnxNode> Nodes,
    IReadOnlyList<OnnxConstant> Constants)
{
    /// <summary>The name of the graph's input value.</summary>
    public const string Input = "input";
    /// <summary>The name of the graph's output value.</summary>
    public const string Output = "output";
}

/// <summary>One ONNX node: operator, name, the values it reads and writes, and its attributes. A layer kind without an
/// ONNX form yet is a node with <see cref="Unsupported"/> set: exporting it fails naming the layer, never writes a file.</summary>
public sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<OnnxAttribute> Attributes)
{
    /// <summary>Why the layer cannot be exported, or null.</summary>
    public string? Unsupported { get; init; }

    /// <summary>The placeholder of a layer whose kind has no ONNX form (yet).</summary>
    public static OnnxNode NotSupported(string layer, string kind, string reason)
        => new("", layer, [], [], []) { Unsupported = $"layer {layer} ({kind}): {reason}" };
}

/// <summary>The attribute types this exporter writes (AttributeProto.AttributeType).</summary>
public enum OnnxAttributeType
{
    /// <summary>A float (f).</summary>
    Float = 1,
    /// <summary>An int64 (i).</summary>
    Int = 2,
    /// <summary>A list of int64 (ints).</summary>
    Ints = 7,
}

/// <summary>A node attribute: <c>group = 2</c>, <c>kernel_shape = [5, 5]</c>, <c>alpha = 0.01</c>.</summary>
public sealed record OnnxAttribute(string Name, OnnxAttributeType Type, float Float, long Int, IReadOnlyList<long> Ints)
{
    /// <summary>An int64 attribute.</summary>
    public static OnnxAttribute Of(string name, long value) => new(name, OnnxAttributeType.Int, 0, value, []);
    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Of(string name, float value) => new(name, OnnxAttributeType.Float, value, 0, []);
    /// <summary>A list-of-int64 attribute.</summary>
    public static OnnxAttribute Of(string name, params long[] values) => new(name, OnnxAttributeType.Ints, 0, 0, values);
}

/// <summary>A constant tensor (an initializer that is not a parameter): float or int64 data with its dimensions.</summary>
public sealed record OnnxConstant(string Name, IReadOnlyList<long> Dims, IReadOnlyList<float>? Floats, IReadOnlyList<long>? Int64s)
{
    /// <summary>A 1-D int64 tensor (the shape operand of Reshape).</summary>
    public static OnnxConstant Int64Vector(string name, params long[] values) => new(name, [values.Length], null, values);

    /// <summary>A 1-D float tensor of <paramref name="length"/> copies of <paramref name="value"/> (γ = 1, β = 0 of a
    /// BatchNorm without them).</summary>
    public static OnnxConstant Filled(string name, int length, float value) => new(name, [length], Enumerable.Repeat(value, length).ToArray(), null);

    /// <summary>A float buffer's current values under its PyTorch name (<c>bn1.running_mean</c>; brought down first
    /// when the network holds it on a device).</summary>
    /// <exception cref="InvalidOperationException">An int64 buffer (<c>num_batches_tracked</c>: no ONNX node reads it).</exception>
    public static OnnxConstant Of(BufferTensor buffer) => new(buffer.Name, buffer.Shape.Select(d => (long)d).ToArray(), buffer.Values.ToArray(), null);

    /// <summary>The [H·W, OH·OW] matrix M with x[c] (flattened) · M = adaptive average pooling of x[c]: column (i, j)
    /// holds 1/|bin| over the cells of bin (i, j). The bins are the runtime's own (<see cref="AdaptiveBins"/>).</summary>
    public static OnnxConstant AdaptiveAvgPoolMatrix(string name, int height, int width, int outHeight, int outWidth)
    {
        var m = new float[height * width * outHeight * outWidth];
        int columns = outHeight * outWidth;
        for (int i = 0; i < outHeight; i++)
        for (int j = 0; j < outWidth; j++)
        {
            int h0 = AdaptiveBins.Start(i, height, outHeight), h1 = AdaptiveBins.End(i, height, outHeight);
            int w0 = AdaptiveBins.Start(j, width, outWidth), w1 = AdaptiveBins.End(j, width, outWidth);
            float share = 1f / ((h1 - h0) * (w1 - w0));
            for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
                m[(h * width + w) * columns + i * outWidth + j] = share;
        }
        return new(name, [height * width, columns], m, null);
    }
}

/// <summary>Implemented by every generated network: its ONNX description (see <see cref="OnnxExport.ExportOnnx"/>).</summary>
public interface IOnnxExportable
{
    /// <summary>The network as ONNX nodes over its current parameters.</summary>
    OnnxGraph DescribeOnnx();
}
