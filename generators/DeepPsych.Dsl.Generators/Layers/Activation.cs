namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Activation]: a standalone element-wise activation. Its derivative is taken from the kept output y, so
/// backward can update dL/dy in place when nothing else reads the input's gradient. Runtime: ActivationOp.</summary>
internal sealed record ActivationOptions(ActSpec Function) : LayerOptions
{
    public static readonly LayerKind Row = new("Activation", typeof(ActivationAttribute), "Activation", Read) { Example = "Activation(Act.ReLU)" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new ActivationAttribute(Act.None);
        return new ActivationOptions(new ActSpec(a.ConstructorAct, a.Float(nameof(d.LeakySlope), d.LeakySlope)));
    }

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(act: Function);
    public override ActSpec Applied => Function;
    public override bool IsStandaloneActivation => true;
    public override bool GradientInPlace => true;

    public override int[]? OutputShape(ShapeContext c)
    {
        Function.Check(c);
        return c.Reported ? null : c.Input.Shape;
    }

    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Output);

    public override string Describe() => Function.Function.ToString();


    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, {shape}, {node.Flops}";

    public override void Forward(LayerCode c)
    {
        c.Line($"//   y = {Function.MathName}(x)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("Activation", "Forward")}({Function.Arguments}, {c.X}, {c.Y()});");
    }

    public override void Onnx(OnnxCode c) => Function.Onnx(c, c.X, c.Y);

    public override void Backward(LayerCode c)
    {
        string args = $"{Function.Arguments}, {c.Y()}, {c.DY()}";
        if (c.DxIsDy)
        {
            c.Line($"//   dL/dx = dL/dy ⊙ f'(x),   {Function.Derivative}   (in place: {c.DY()} becomes dL/dx)");
            c.Line($"{c.T.Call("Activation", "ApplyDerivativeInPlace")}({args});");
            return;
        }
        c.Line($"//   dL/dx += dL/dy ⊙ f'(x),   {Function.Derivative}");
        c.Line($"{c.T.Call("Activation", "Backward")}({args}, {c.DxArg});");
    }
}
