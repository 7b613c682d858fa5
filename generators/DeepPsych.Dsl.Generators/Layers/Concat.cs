namespace DeepPsych.Dsl.Generators.Layers;

/// <summary><c>Concat(a, b, …)</c> of a <c>Forward(Tensor)</c> body, along channels (no attribute: only the graph reader
/// creates it). Every input is C×H×W with the same H and W; the output has ΣC channels. Backward adds each input's
/// channel slice of dL/dy into its gradient. Runtime: ConcatOp, one call per input.</summary>
internal sealed record ConcatOptions(int Count) : LayerOptions
{
    public static readonly LayerKind Row = new("Concat", null, "Merge", _ => new ConcatOptions(2));

    public override LayerKind Kind => Row;
    public override int Arity => Count;
    public override string HashText => HashFields(units: Count);

    public override int[]? OutputShape(ShapeContext c)
    {
        foreach (var input in c.Inputs)
            if (input.Shape.Length != 3)
            {
                c.Report(DiagnosticDescriptors.RankMismatch, c.Name, "Concat", "channels x height x width", $"the vector {input.Text}", input.After,
                    "concatenate image values (before any Dense or Flatten), or flatten after the Concat");
                return null;
            }
        var first = c.Inputs[0];
        foreach (var other in c.Inputs.Skip(1))
            if (other.Shape[1] != first.Shape[1] || other.Shape[2] != first.Shape[2])
            {
                c.Report(DiagnosticDescriptors.ConcatShapeMismatch, c.Name, first.Text, first.After, other.Text, other.After);
                return null;
            }
        long channels = c.Inputs.Sum(i => (long)i.Shape[0]);
        if (!SizeLimits.Check(c, $"the concatenated channel count ({string.Join(" + ", c.Inputs.Select(i => i.Shape[0]))})", channels, "channels", "concatenate fewer or narrower values"))
            return null;
        return [(int)channels, first.Shape[1], first.Shape[2]];
    }

    public override long Flops(LayerShapes shapes) => 0;

    public override string Describe() => $"Concat of {Count}";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"Concat\", {shape}, {node.Flops}";

    /// <summary>(channels, channel offset) of each input, and H·W.</summary>
    private static (int Channels, int Offset)[] Slices(NodePlan node, out int spatial)
    {
        spatial = node.OutputShape[1] * node.OutputShape[2];
        int offset = 0;
        var slices = new (int, int)[node.InputShapes.Length];
        for (int k = 0; k < slices.Length; k++) { slices[k] = (node.InputShapes[k][0], offset); offset += node.InputShapes[k][0]; }
        return slices;
    }

    public override void Forward(LayerCode c)
    {
        var slices = Slices(c.Node, out int spatial);
        int channels = c.Node.OutputShape[0];
        c.Line("//   y[:, offset_k : offset_k + C_k] = x_k   (channels)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        for (int k = 0; k < slices.Length; k++)
            c.Line($"{c.T.Call("Concat", "Forward")}(n, {slices[k].Channels}, {channels}, {slices[k].Offset}, {spatial}, {c.Inputs[k]}, {c.Y()});");
    }

    public override void Onnx(OnnxCode c) => c.Add("Concat", c.Inputs, c.Y, OnnxCode.Int("axis", 1));

    public override void Backward(LayerCode c)
    {
        var slices = Slices(c.Node, out int spatial);
        int channels = c.Node.OutputShape[0];
        c.Line("//   dL/dx_k += dL/dy[:, offset_k : offset_k + C_k]");
        for (int k = 0; k < slices.Length; k++)
            if (c.InputGradients[k] is { } dx)
                c.Line($"{c.T.Call("Concat", "Backward")}(n, {slices[k].Channels}, {channels}, {slices[k].Offset}, {spatial}, {c.DY()}, {dx});");
    }
}
