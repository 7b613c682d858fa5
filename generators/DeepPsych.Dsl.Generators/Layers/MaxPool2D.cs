namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[MaxPool2D]: max over each window (padding counts as −∞); forward keeps the winners ("switches") for backward.
/// Runtime: MaxPool2DOp.</summary>
internal sealed record MaxPool2DOptions(Window2D Window) : Pool2DOptions(Window)
{
    public static readonly LayerKind Row = new("MaxPool2D", typeof(MaxPool2DAttribute), "Pool", Read) { Example = "MaxPool2D(2)" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new MaxPool2DAttribute(0);
        return new MaxPool2DOptions(ReadWindow(a, d));
    }

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(window: Window);

    public override IEnumerable<SavedBuffer> Saved => [new("Switches", true, "which input won each window")];

    public override string Describe() => WindowText;

    public override void Forward(LayerCode c)
    {
        // Only backward reads the switches: the CPU op skips them at inference (an empty span); the device backends always write them.
        c.Line(c.T.IsDevice ? "//   y = max over each window; the switches remember each window's winner for backward"
                            : "//   y = max over each window; in training the switches remember each window's winner for backward");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        string switches = c.T.IsDevice ? c.Saved("Switches") : $"training ? {c.Saved("Switches")} : default";
        c.Line($"{c.T.Call("MaxPool2D", "Forward")}({c.Name}Geometry, n, {c.X}, {c.Y()}, {switches});");
    }

    /// <summary>MaxPool (floor mode; its padding never wins, as the runtime's −∞).</summary>
    public override void Onnx(OnnxCode c) => c.Add("MaxPool", [c.X], c.Y, OnnxCode.Window(Window));

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx[switch] += dL/dy   (only each window's maximum receives gradient)");
        c.Line($"{c.T.Call("MaxPool2D", "Backward")}({c.Name}Geometry, n, {c.DY()}, {c.Saved("Switches")}, {c.DxArg});");
    }
}
