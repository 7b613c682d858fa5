namespace DeepPsych.Dsl.Generators.Shapes;

/// <summary>Stage 2: compile-time shape inference over the graph in topological order. Each kind checks its own options
/// against its inputs (<see cref="Layers.LayerOptions.OutputShape"/>); every rule a runtime op would throw on becomes a
/// diagnostic on the layer's attribute, naming the shapes and the fix.</summary>
internal static class ShapeInference
{
    /// <summary>Output shape per node (empty where it failed or an input already failed), and whether any failed.</summary>
    public static (int[][] Shapes, bool Failed) Infer(NetworkSpec spec, NetworkGraph graph, int[] input, List<DiagnosticInfo> diagnostics)
    {
        var shapes = new int[graph.Count][];
        bool failed = false;
        foreach (int node in graph.TopologicalOrder)
        {
            var declaration = spec.Layers[node];
            var sources = graph.Inputs(node)
                .Select(v => v == NetworkGraph.NetworkInput
                    ? new InputSource(input, "network input")
                    : new InputSource(shapes[v], "after " + spec.Layers[v].Spec.DisplayName))
                .ToList();
            if (sources.Any(s => s.Shape.Length == 0)) { failed = true; shapes[node] = []; continue; }   // upstream already reported
            var context = new ShapeContext(declaration.Spec.DisplayName, sources, declaration.Location, diagnostics);
            var output = declaration.Spec.Options.OutputShape(context);
            if (output is not null && !SizeLimits.Check(context, $"the output {ShapeMath.Format(output)}", SizeLimits.Count(output), "floats per sample",
                    "use fewer units or channels, or down-sample (Stride, pooling) before this layer"))
                output = null;
            if (output is null) failed = true;
            shapes[node] = output ?? [];
        }
        return (shapes, failed);
    }
}
