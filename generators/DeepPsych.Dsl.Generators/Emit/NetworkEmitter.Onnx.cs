namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The network's ONNX description (IOnnxExportable): each node's <c>Onnx</c> member in topological order, then
/// the graph output. Explicitly implemented, so it takes no member name from the user's class.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitOnnx(CodeWriter w, NetworkPlan plan)
    {
        var nodes = new List<string>();
        var constants = new List<string>();
        var buffers = plan.Buffers.ToList();
        foreach (int i in plan.Order)
        {
            var node = plan.Nodes[i];
            nodes.Add($"// {node.Name} — {node.Options.Describe()}, {Shapes(node)}");
            var inputs = node.Layer.Inputs.Select(v => plan.Producer(v) is { } p ? OnnxCode.Value(p) : "input").ToArray();
            node.Options.Onnx(new OnnxCode(node, inputs, nodes, constants, buffers.IndexOf));
        }
        nodes.Add($"new(\"Identity\", \"output\", [\"{OnnxCode.Value(plan.Output)}\"], [\"output\"], []),");

        w.Line("/// <summary>This network as ONNX nodes (opset 13, inference) over its current parameters; <c>ExportOnnx</c> writes it.</summary>");
        w.Line("global::DeepPsych.Dsl.Onnx.OnnxGraph global::DeepPsych.Dsl.Onnx.IOnnxExportable.DescribeOnnx() => new(");
        w.Line("    Name, s_inputShape, s_outputShape, _parameterTensors,");
        w.Line("    Nodes:");
        w.Line("    [");
        foreach (var line in nodes) w.Line("        " + line);
        w.Line("    ],");
        w.Line("    Constants:");
        w.Line("    [");
        foreach (var line in constants) w.Line("        " + line);
        w.Line("    ]);");
        w.Line();
    }
}
