namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>The residual <c>a + b</c> of a <c>Forward(Tensor)</c> body (no attribute: only the graph reader creates it).
/// Both values must have the same shape. Backward adds dL/dy into both inputs' gradients. Runtime: ElementwiseOp.</summary>
internal sealed record AddOptions : LayerOptions
{
    public static readonly LayerKind Row = new("Add", null, "Merge", _ => new AddOptions());

    public override LayerKind Kind => Row;
    public override int Arity => 2;
    public override string HashText => HashFields();

    public override int[]? OutputShape(ShapeContext c)
    {
        var (a, b) = (c.Inputs[0], c.Inputs[1]);
        if (a.Shape.SequenceEqual(b.Shape)) return a.Shape;
        c.Report(DiagnosticDescriptors.AddShapeMismatch, c.Name, a.Text, a.After, b.Text, b.After);
        return null;
    }

    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Output);

    public override string Describe() => "Add";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"Add\", {shape}, {node.Flops}";

    public override void Forward(LayerCode c)
    {
        c.Line("//   y = a + b");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        if (c.T.IsDevice)
        {
            c.Line(c.T.Copy(c.Inputs[0], c.Y()));
            c.Line(c.T.Accumulate(c.Inputs[1], c.Y()));
        }
        else
            c.Line($"{c.T.Call("Elementwise", "Add")}({c.Inputs[0]}, {c.Inputs[1]}, {c.Y()});");
    }

    public override void Onnx(OnnxCode c) => c.Add("Add", c.Inputs, c.Y);

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/da += dL/dy,   dL/db += dL/dy");
        foreach (var dx in c.InputGradients)
            if (dx is not null) c.Line(c.T.Accumulate(c.DY(), dx));
    }
}
