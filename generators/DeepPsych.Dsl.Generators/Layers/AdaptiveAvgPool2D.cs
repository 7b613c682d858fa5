namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[AdaptiveAvgPool2D(oh, ow)]: C×H×W → C×OH×OW, each output the mean of its adaptive bin (PyTorch's
/// <c>adaptive_avg_pool2d</c>). Runtime: AdaptiveAvgPool2DOp (bins: AdaptiveBins).</summary>
internal sealed record AdaptiveAvgPool2DOptions(int OutHeight, int OutWidth) : LayerOptions
{
    public static readonly LayerKind Row = new("AdaptiveAvgPool2D", typeof(AdaptiveAvgPool2DAttribute), "Pool", Read) { Example = "AdaptiveAvgPool2D(6, 6)" };

    private static LayerOptions Read(AttributeReader a) => new AdaptiveAvgPool2DOptions(a.ConstructorIntAt(0), a.ConstructorIntAt(1));

    public override LayerKind Kind => Row;

    /// <summary>Format 1 has no output-size field: the output size travels in the window's kernel slots.</summary>
    public override string HashText => HashFields(window: new Window2D(OutHeight, OutWidth, 1, 1, 0, 0, 1, 1));

    public override int[]? OutputShape(ShapeContext c)
    {
        if (!c.NeedsImage(Kind.Name)) return null;
        if (OutHeight < 1)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "OutHeight", OutHeight, "the output height must be at least 1 (6 for AlexNet's head, 7 for VGG's)");
        if (OutWidth < 1)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "OutWidth", OutWidth, "the output width must be at least 1 (6 for AlexNet's head, 7 for VGG's)");
        return c.Reported ? null : [c.Input.Shape[0], OutHeight, OutWidth];
    }

    /// <summary>One per input element read: every element lies in at least one bin; bins overlap only when OH ∤ H or
    /// OW ∤ W, and then by at most one row/column each, so this undercounts by at most that overlap.</summary>
    public override long Flops(LayerShapes shapes) => System.Math.Max(ShapeMath.Product(shapes.Input), ShapeMath.Product(shapes.Output));

    public override string Describe() => $"AdaptiveAvgPool2D {OutHeight}x{OutWidth}";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"AdaptiveAvgPool2D\", {shape}, {node.Flops}";

    private string Geometry(LayerCode c) => $"n, {c.Node.InputShape[0]}, {c.Node.InputShape[1]}, {c.Node.InputShape[2]}, {OutHeight}, {OutWidth}";

    public override void Forward(LayerCode c)
    {
        c.Line("//   y[c, i, j] = mean of x[c] over rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) × columns [⌊j·W/OW⌋, ⌈(j+1)·W/OW⌉)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("AdaptiveAvgPool2D", "Forward")}({Geometry(c)}, {c.X}, {c.Y()});");
    }

    /// <summary>ONNX has no adaptive pooling. When OH divides H and OW divides W the bins are a plain AveragePool
    /// (kernel = stride = H/OH × W/OW); otherwise (overlapping bins) the pooling is the linear map it is:
    /// x viewed as N×C×(H·W), times the constant [H·W, OH·OW] matrix of bin weights, viewed back as N×C×OH×OW.</summary>
    public override void Onnx(OnnxCode c)
    {
        int channels = c.Node.InputShape[0], h = c.Node.InputShape[1], w = c.Node.InputShape[2];
        if (h % OutHeight == 0 && w % OutWidth == 0)
        {
            c.Add("AveragePool", [c.X], c.Y, OnnxCode.Ints("kernel_shape", h / OutHeight, w / OutWidth), OnnxCode.Ints("strides", h / OutHeight, w / OutWidth));
            return;
        }
        string onnx = "global::DeepPsych.Dsl.Onnx.OnnxConstant";
        c.Constant($"{onnx}.Int64Vector(\"{c.Temp("flat_shape")}\", 0, {channels}, {h * w})");
        c.Constant($"{onnx}.AdaptiveAvgPoolMatrix(\"{c.Temp("bins")}\", {h}, {w}, {OutHeight}, {OutWidth})");
        c.Constant($"{onnx}.Int64Vector(\"{c.Temp("out_shape")}\", 0, {channels}, {OutHeight}, {OutWidth})");
        c.Add("Reshape", [c.X, c.Temp("flat_shape")], c.Temp("flat"));
        c.Add("MatMul", [c.Temp("flat"), c.Temp("bins")], c.Temp("pooled"));
        c.Add("Reshape", [c.Temp("pooled"), c.Temp("out_shape")], c.Y);
    }

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx[c, h, w] += Σ over the bins containing (h, w) of dL/dy[c, i, j] / |bin|");
        c.Line($"{c.T.Call("AdaptiveAvgPool2D", "Backward")}({Geometry(c)}, {c.DY()}, {c.DxArg});");
    }
}
