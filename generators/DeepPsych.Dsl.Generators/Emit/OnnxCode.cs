using System.Globalization;

namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>What a kind's <c>Onnx</c> member writes with: the node, the ONNX value names of its inputs and output, and
/// the two lists it adds to (nodes, constants) as C# expressions of the runtime's <c>DeepPsych.Dsl.Onnx</c> records.
/// Value names: <c>input</c> is the network input, a layer's output is its name (<c>C1</c>), a value inside a layer
/// is the layer's name and a suffix (<c>C1.conv</c>, which no layer can be named), and parameters keep their PyTorch
/// names (<see cref="ParameterPlan.Name"/>), and so do buffers (<see cref="BufferTensorPlan.Name"/>, <c>_bufferTensors[i]</c>).</summary>
internal sealed class OnnxCode(NodePlan node, IReadOnlyList<string> inputs, List<string> nodes, List<string> constants, Func<BufferTensorPlan, int> bufferIndex)
{
    private const string Onnx = "global::DeepPsych.Dsl.Onnx";

    /// <summary>The ONNX value a node's output is: its name, unless that is a graph input/output name.</summary>
    public static string Value(NodePlan node) => node.Name is "input" or "output" ? node.Name + ".y" : node.Name;

    public NodePlan Node { get; } = node;
    public IReadOnlyList<string> Inputs { get; } = inputs;
    /// <summary>The input value of a one-input kind.</summary>
    public string X => Inputs[0];
    /// <summary>This layer's output value.</summary>
    public string Y => Value(Node);

    /// <summary>A value inside this layer: <c>C1.conv</c>.</summary>
    public string Temp(string suffix) => Node.Name + "." + suffix;

    /// <summary>The initializer name of this layer's parameter with the given PyTorch suffix ("weight", "bias").</summary>
    public string Parameter(string suffix) => Node.Parameters.First(p => p.Suffix == suffix).Name;

    /// <summary>Adds a node reading <paramref name="inputs"/> and writing <paramref name="output"/> (also its name).</summary>
    public void Add(string opType, IEnumerable<string> inputs, string output, params string[] attributes)
        => nodes.Add($"new(\"{opType}\", \"{output}\", [{string.Join(", ", inputs.Select(Quote))}], [{Quote(output)}], [{string.Join(", ", attributes)}]),");

    /// <summary>Adds a constant tensor (a C# expression of type OnnxConstant).</summary>
    public void Constant(string expression) => constants.Add(expression + ",");

    /// <summary>The initializer name of this layer's float buffer with the given PyTorch suffix ("running_mean"): a constant
    /// holding the buffer's values when the graph is described, under the buffer's PyTorch name.</summary>
    public string Buffer(string suffix)
    {
        var buffer = Node.Buffers.First(b => b.Suffix == suffix);
        Constant($"{Onnx}.OnnxConstant.Of(_bufferTensors[{bufferIndex(buffer)}])");
        return buffer.Name;
    }

    /// <summary>A constant vector of <paramref name="length"/> copies of <paramref name="value"/>, named <see cref="Temp"/>(<paramref name="suffix"/>).</summary>
    public string Filled(string suffix, int length, float value)
    {
        Constant($"{Onnx}.OnnxConstant.Filled(\"{Temp(suffix)}\", {length}, {Layers.Literal.Float(value)})");
        return Temp(suffix);
    }

    /// <summary>A constant 1-D int64 tensor (Slice's starts, ends and axes), named <see cref="Temp"/>(<paramref name="suffix"/>).</summary>
    public string Int64s(string suffix, params long[] values)
    {
        Constant($"{Onnx}.OnnxConstant.Int64Vector(\"{Temp(suffix)}\", {string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture)))})");
        return Temp(suffix);
    }

    /// <summary>This layer has no ONNX form: export throws with <paramref name="reason"/>, naming the layer and kind.</summary>
    public void Unsupported(string reason)
        => nodes.Add($"{Onnx}.OnnxNode.NotSupported(\"{Node.Name}\", \"{Node.Options.Kind.Name}\", \"{reason.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"),");

    // Attributes, as C# expressions.
    public static string Int(string name, long value) => $"{Onnx}.OnnxAttribute.Of(\"{name}\", {value}L)";
    public static string Float(string name, float value) => $"{Onnx}.OnnxAttribute.Of(\"{name}\", {Layers.Literal.Float(value)})";
    /// <summary>A list of int64 (one value stays a list: <c>new long[] { 2L }</c>, not the int overload).</summary>
    public static string Ints(string name, params long[] values)
    {
        string list = string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture) + "L"));
        return $"{Onnx}.OnnxAttribute.Of(\"{name}\", {(values.Length == 1 ? "new long[] { " + list + " }" : list)})";
    }

    /// <summary>kernel_shape, strides, pads (top, left, bottom, right: per side as declared) and, when not 1, dilations of a
    /// 2-D window; ceil_mode when a pool declares it.</summary>
    public static string[] Window(Window2D w)
    {
        var attributes = new List<string> { Ints("kernel_shape", w.KernelH, w.KernelW), Ints("strides", w.StrideH, w.StrideW), Ints("pads", w.PadH, w.PadW, w.PadBottom, w.PadRight) };
        if (w.DilationH != 1 || w.DilationW != 1) attributes.Add(Ints("dilations", w.DilationH, w.DilationW));
        if (w.CeilMode) attributes.Add(Int("ceil_mode", 1));
        return attributes.ToArray();
    }

    private static string Quote(string value) => "\"" + value + "\"";
}
