namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[GlobalAvgPool]: C×H×W → C, the mean of each channel. Runtime: GlobalAvgPoolOp.</summary>
internal sealed record GlobalAvgPoolOptions : LayerOptions
{
    public static readonly LayerKind Row = new("GlobalAvgPool", typeof(GlobalAvgPoolAttribute), "Pool", _ => new GlobalAvgPoolOptions()) { Example = "GlobalAvgPool" };

    public override LayerKind Kind => Row;
    public override string HashText => HashFields();

    public override int[]? OutputShape(ShapeContext c) => c.NeedsImage("GlobalAvgPool") ? [c.Input.Shape[0]] : null;

    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Input);

    public override string Describe() => "GlobalAvgPool";


    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"GlobalAvgPool\", {shape}, {node.Flops}";

    public override void Forward(LayerCode c)
    {
        var n = c.Node;
        c.Line("//   y[c] = mean of x[c] over height × width");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("GlobalAvgPool", "Forward")}(n, {n.InputShape[0]}, {n.InputShape[1] * n.InputShape[2]}, {c.X}, {c.Y()});");
    }

    /// <summary>GlobalAveragePool gives N×C×1×1; the layer's output is the vector N×C, so a Flatten follows.</summary>
    public override void Onnx(OnnxCode c)
    {
        c.Add("GlobalAveragePool", [c.X], c.Temp("pool"));
        c.Add("Flatten", [c.Temp("pool")], c.Y, OnnxCode.Int("axis", 1));
    }

    public override void Backward(LayerCode c)
    {
        var n = c.Node;
        c.Line("//   dL/dx[c, h, w] += dL/dy[c] / (height × width)");
        c.Line($"{c.T.Call("GlobalAvgPool", "Backward")}(n, {n.InputShape[0]}, {n.InputShape[1] * n.InputShape[2]}, {c.DY()}, {c.DxArg});");
    }
}
