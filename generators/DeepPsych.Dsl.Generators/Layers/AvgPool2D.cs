namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[AvgPool2D]: mean over each window; padded zeros count in the divisor unless CountIncludePad = false
/// (PyTorch's count_include_pad). Runtime: AvgPool2DOp.</summary>
internal sealed record AvgPool2DOptions(Window2D Window, bool CountIncludePad) : Pool2DOptions(Window)
{
    public static readonly LayerKind Row = new("AvgPool2D", typeof(AvgPool2DAttribute), "Pool", Read) { Example = "AvgPool2D(2)" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new AvgPool2DAttribute(0);
        return new AvgPool2DOptions(ReadWindow(a, d), a.Bool(nameof(d.CountIncludePad), d.CountIncludePad));
    }

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(window: Window, countIncludePad: CountIncludePad);

    public override string Describe() => WindowText + (Padded && !CountIncludePad ? " excl-pad" : "");

    public override void Forward(LayerCode c)
    {
        c.Line("//   y = mean over each window" + (Padded ? (CountIncludePad ? " (padded zeros count)" : " (padded zeros do not count)") : ""));
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("AvgPool2D", "Forward")}({c.Name}Geometry, n, {c.X}, {c.Y()}, countIncludePad: {Literal.Bool(CountIncludePad)});");
    }

    public override void Onnx(OnnxCode c)
        => c.Add("AveragePool", [c.X], c.Y, [.. OnnxCode.Window(Window), OnnxCode.Int("count_include_pad", CountIncludePad ? 1 : 0)]);

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx += dL/dy / window size, spread evenly over each window");
        c.Line($"{c.T.Call("AvgPool2D", "Backward")}({c.Name}Geometry, n, {c.DY()}, {c.DxArg}, countIncludePad: {Literal.Bool(CountIncludePad)});");
    }
}
