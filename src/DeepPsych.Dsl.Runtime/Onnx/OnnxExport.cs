using System.Reflection;

namespace DeepPsych.Dsl.Onnx;

/// <summary>
/// Writes a generated network as an ONNX model (opset <see cref="Opset"/>) with its current weights, for ONNX Runtime,
/// Netron, TensorRT and the rest. The graph is inference: input <c>input</c> [N, …InputShape], output <c>output</c>
/// [N, …OutputShape] (logits for a softmax classifier: the loss is not exported), dropout is the identity, and every
/// parameter is an initializer under its PyTorch name (<c>C1.weight</c>).
/// </summary>
public static class OnnxExport
{
    /// <summary>The ONNX operator set the nodes are written for.</summary>
    public const int Opset = 13;

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> (replaced if it exists; a temporary file is
    /// written first, so a failed export leaves no half-written model).</summary>
    /// <exception cref="NotSupportedException">A layer has no ONNX form (its kind names itself); nothing is written.</exception>
    public static void ExportOnnx(this INeuralNetwork network, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = network.ToOnnx();
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>The ONNX model of <paramref name="network"/> as bytes (a serialised ModelProto).</summary>
    /// <exception cref="NotSupportedException">A layer has no ONNX form (its kind names itself).</exception>
    public static byte[] ToOnnx(this INeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is not IOnnxExportable exportable)
            throw new NotSupportedException($"{network.Name} ({network.GetType().FullName}) cannot describe itself as ONNX: only networks generated from a [Network] class implement IOnnxExportable (export the network itself, not a wrapper around it).");
        var graph = exportable.DescribeOnnx();
        Check(graph);
        string version = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "";
        return OnnxProtobuf.Encode(graph, Opset, version, network.Summary());
    }

    /// <summary>Refuses a graph that would make a wrong or unreadable file: a layer without an ONNX form, or a node that
    /// reads a value nothing produced before it (a generator bug, named here rather than by an ONNX reader later).</summary>
    private static void Check(OnnxGraph graph)
    {
        var unsupported = graph.Nodes.Where(n => n.Unsupported is not null).Select(n => n.Unsupported!).ToList();
        if (unsupported.Count > 0)
            throw new NotSupportedException($"{graph.Name} cannot be exported to ONNX; nothing was written: {string.Join("; ", unsupported)}.");
        var known = new HashSet<string>(graph.Parameters.Select(p => p.Name).Concat(graph.Constants.Select(c => c.Name))) { OnnxGraph.Input };
        foreach (var node in graph.Nodes)
        {
            foreach (var input in node.Inputs)
                if (!known.Contains(input))
                    throw new InvalidOperationException($"{graph.Name}: ONNX node {node.Name} ({node.OpType}) reads '{input}', which no earlier node, parameter or constant produces.");
            foreach (var output in node.Outputs)
                if (!known.Add(output))
                    throw new InvalidOperationException($"{graph.Name}: ONNX node {node.Name} ({node.OpType}) writes '{output}', which is already produced.");
        }
        if (!known.Contains(OnnxGraph.Output))
            throw new InvalidOperationException($"{graph.Name}: no ONNX node writes the graph output '{OnnxGraph.Output}'.");
    }
}
