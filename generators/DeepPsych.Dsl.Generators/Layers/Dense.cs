namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Dense]: y = x·Wᵀ + b, W stored [out, in] (PyTorch's nn.Linear); input of any rank is read flat. Runtime: DenseOp.</summary>
internal sealed record DenseOptions(int Units, bool Bias, ActSpec Fused, Init Init) : LayerOptions
{
    public static readonly LayerKind Row = new("Dense", typeof(DenseAttribute), "Dense", Read) { Example = "Dense(10)" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new DenseAttribute(0);
        return new DenseOptions(a.ConstructorInt, a.Bool(nameof(d.Bias), d.Bias),
            new ActSpec(a.Act(nameof(d.Activation), d.Activation), a.Float(nameof(d.LeakySlope), d.LeakySlope)), a.Init(nameof(d.Init), d.Init));
    }

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(Units, bias: Bias, act: Fused);
    public override ActSpec Applied => Fused;
    public override Init DeclaredInit => Init;
    public override bool Trainable => true;
    public override bool PrefersWholeBatch => true;   // its GEMM's rows are the samples

    public override int[]? OutputShape(ShapeContext c)
    {
        Fused.Check(c);
        if (Units <= 0)
        {
            c.Report(DiagnosticDescriptors.OutputSizeNotPositive, c.Name, $"{Units} units", c.Input.Text, c.Input.After);
            return null;
        }
        return c.Reported ? null : [Units];
    }

    public override IEnumerable<ParameterShape> Parameters(LayerShapes shapes)
    {
        int fanIn = ShapeMath.Product(shapes.Input);
        yield return new("weight", [Units, fanIn], fanIn, Units);
        if (Bias) yield return new("bias", [Units], 0, 0);
    }

    public override long Flops(LayerShapes shapes)
    {
        long outLength = ShapeMath.Product(shapes.Output);
        return 2L * outLength * ShapeMath.Product(shapes.Input) + (Bias ? outLength : 0) + (Fused.IsNone ? 0 : outLength);
    }

    public override string Describe() => $"Dense {Units}" + (Bias ? "" : " nobias") + (Fused.IsNone ? "" : " +" + Fused.Function);


    public override string HandleArguments(NodePlan node, string shape) => Weighted.HandleArguments(node, shape);

    public override void Forward(LayerCode c)
    {
        var n = c.Node;
        c.Line(Fused.IsNone ? "//   y = x·Wᵀ" + (Bias ? " + b" : "") : $"//   y = {Fused.MathName}(x·Wᵀ{(Bias ? " + b" : "")})   (bias and activation fused)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("Dense", "Forward")}(n, {n.InputLength}, {n.OutputLength}, {c.X}, {c.Parameter("Weight")}, {c.Bias(Bias)}, {c.Y()}{Fused.FusedArguments});");
    }

    /// <summary>Gemm(x, W, b) with transB = 1 (W is [out, in]); an image input is flattened first, as the layer reads it.</summary>
    public override bool AffinePerOutputChannel => Fused.IsNone;

    public override void Onnx(OnnxCode c)
    {
        string x = c.X;
        if (c.Node.InputShape.Length != 1)
        {
            x = c.Temp("flat");
            c.Add("Flatten", [c.X], x, OnnxCode.Int("axis", 1));
        }
        string z = Fused.IsNone ? c.Y : c.Temp("gemm");
        c.Add("Gemm", Bias ? [x, c.Parameter("weight"), c.Parameter("bias")] : [x, c.Parameter("weight")], z, OnnxCode.Int("transB", 1));
        if (!Fused.IsNone) Fused.Onnx(c, z, c.Y);
    }

    public override void Backward(LayerCode c)
    {
        var n = c.Node;
        Weighted.BackwardHeader(c, Fused, Bias, "//   dL/dW += dL/dzᵀ · x", "//   dL/db += Σ_batch dL/dz", "//   dL/dx += dL/dz · W");
        c.Line($"{c.T.Call("Dense", "Backward")}(n, {n.InputLength}, {n.OutputLength}, {c.X}, {c.Parameter("Weight")}, {c.DY()}, dx: {c.DxArg}, dw: {c.Gradient("Weight")}, db: {(Bias ? c.Gradient("Bias") : "default")});");
    }
}
