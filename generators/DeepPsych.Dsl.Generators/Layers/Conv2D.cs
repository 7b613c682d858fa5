namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Conv2D]: 2-D convolution, NCHW input, OIHW weights (PyTorch's nn.Conv2d), bias and activation fused into
/// the output pass. Runtime: Conv2DOp / IDeviceBackend.Conv2D*, geometry Conv2DGeometry.</summary>
internal sealed record Conv2DOptions(int OutChannels, Window2D Window, int Groups, bool Bias, ActSpec Fused, Init Init) : LayerOptions
{
    public static readonly LayerKind Row = new("Conv2D", typeof(Conv2DAttribute), "Conv2D", Read) { Example = "Conv2D(16, Kernel = 3)" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new Conv2DAttribute(0);
        int k = a.Int(nameof(d.Kernel), d.Kernel), p = a.Int(nameof(d.Padding), d.Padding);
        int s = a.Int(nameof(d.Stride), d.Stride), dil = a.Int(nameof(d.Dilation), d.Dilation);
        int kh = a.Int(nameof(d.KernelH), d.KernelH), kw = a.Int(nameof(d.KernelW), d.KernelW);
        int ph = a.Int(nameof(d.PaddingH), d.PaddingH), pw = a.Int(nameof(d.PaddingW), d.PaddingW);
        // KernelH/W = 0 and PaddingH/W = -1 (the attribute's defaults) mean "the square value".
        var window = new Window2D(kh != 0 ? kh : k, kw != 0 ? kw : k, s, s, ph >= 0 ? ph : p, pw >= 0 ? pw : p, dil, dil)
            .WithSides(a, d, nameof(d.Padding), nameof(d.PaddingH), nameof(d.PaddingW));
        return new Conv2DOptions(a.ConstructorInt, window, a.Int(nameof(d.Groups), d.Groups), a.Bool(nameof(d.Bias), d.Bias),
            new ActSpec(a.Act(nameof(d.Activation), d.Activation), a.Float(nameof(d.LeakySlope), d.LeakySlope)), a.Init(nameof(d.Init), d.Init));
    }

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(OutChannels, Window, Groups, Bias, Fused);
    public override ActSpec Applied => Fused;
    public override Init DeclaredInit => Init;
    public override bool Trainable => true;

    public override int[]? OutputShape(ShapeContext c)
    {
        Fused.Check(c);
        if (!c.NeedsImage("Conv2D")) return null;
        int channels = c.Input.Shape[0];
        if (OutChannels <= 0)
            c.Report(DiagnosticDescriptors.OutputSizeNotPositive, c.Name, $"{OutChannels} channels", c.Input.Text, c.Input.After);
        if (Window.KernelH <= 0 || Window.KernelW <= 0)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Kernel", $"{Window.KernelH}x{Window.KernelW}", "kernel sizes must be at least 1");
        Window.CheckOptions(c);
        if (Groups <= 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Groups", Groups, "groups must be at least 1", "use Groups = 1 for a full convolution");
        if (Groups >= 1 && OutChannels > 0 && (channels % Groups != 0 || OutChannels % Groups != 0))
        {
            bool inBad = channels % Groups != 0;
            c.Report(DiagnosticDescriptors.ChannelsNotDivisibleByGroups, c.Name, inBad ? "input" : "output", inBad ? channels : OutChannels,
                Groups, $"{c.Input.Text} {c.Input.After}", channels, OutChannels);
        }
        if (c.Reported) return null;
        var hw = Window.OutputSize(c);
        return hw is null ? null : [OutChannels, hw[0], hw[1]];
    }

    public override IEnumerable<ParameterShape> Parameters(LayerShapes shapes)
    {
        int perGroup = shapes.Input[0] / Groups, taps = Window.KernelH * Window.KernelW;
        yield return new("weight", [OutChannels, perGroup, Window.KernelH, Window.KernelW], perGroup * taps, OutChannels * taps);
        if (Bias) yield return new("bias", [OutChannels], 0, 0);
    }

    public override long Flops(LayerShapes shapes)
    {
        long outLength = ShapeMath.Product(shapes.Output);
        return 2L * outLength * (shapes.Input[0] / Groups) * Window.KernelH * Window.KernelW + (Bias ? outLength : 0) + (Fused.IsNone ? 0 : outLength);
    }

    public override string Describe()
    {
        var w = Window;
        return $"Conv2D {OutChannels}@{w.KernelH}x{w.KernelW}" + (w.StrideH != 1 ? $" s{w.StrideH}" : "") + (w.Asymmetric ? $" p{w.PadText}" : w.PadH != 0 || w.PadW != 0 ? $" p{(w.PadH == w.PadW ? w.PadH.ToString() : w.PadH + "," + w.PadW)}" : "")
            + (w.DilationH != 1 ? $" d{w.DilationH}" : "") + (Groups != 1 ? $" g{Groups}" : "") + (Bias ? "" : " nobias") + (Fused.IsNone ? "" : " +" + Fused.Function);
    }


    public override string? GeometryField(NodePlan node)
    {
        var w = Window;
        return $"private static readonly global::DeepPsych.Dsl.Ops.Conv2DGeometry {node.Name}Geometry = new(InChannels: {node.InputShape[0]}, InHeight: {node.InputShape[1]}, InWidth: {node.InputShape[2]}, OutChannels: {OutChannels}, KernelH: {w.KernelH}, KernelW: {w.KernelW}, StrideH: {w.StrideH}, StrideW: {w.StrideW}, PadH: {w.PadH}, PadW: {w.PadW}, DilationH: {w.DilationH}, DilationW: {w.DilationW}, Groups: {Groups}){w.GeometryInitializers};";
    }

    public override string HandleArguments(NodePlan node, string shape) => Weighted.HandleArguments(node, shape);

    public override void Forward(LayerCode c)
    {
        c.Line(Fused.IsNone ? "//   y = W ⊛ x" + (Bias ? " + b" : "") : $"//   y = {Fused.MathName}(W ⊛ x{(Bias ? " + b" : "")})   (bias and activation fused into the convolution's output pass)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("Conv2D", "Forward")}({c.Name}Geometry, n, {c.X}, {c.Parameter("Weight")}, {c.Bias(Bias)}, {c.Y()}{Fused.FusedArguments});");
    }

    public override bool AffinePerOutputChannel => Fused.IsNone;

    public override void Onnx(OnnxCode c)
    {
        string z = Fused.IsNone ? c.Y : c.Temp("conv");
        c.Add("Conv", Bias ? [c.X, c.Parameter("weight"), c.Parameter("bias")] : [c.X, c.Parameter("weight")], z,
            [.. OnnxCode.Window(Window), OnnxCode.Int("group", Groups)]);
        if (!Fused.IsNone) Fused.Onnx(c, z, c.Y);
    }

    public override void Backward(LayerCode c)
    {
        Weighted.BackwardHeader(c, Fused, Bias, "//   dL/dW += dL/dz ⊛ x        (im2col(x)ᵀ · dL/dz)", "//   dL/db += Σ dL/dz over batch and pixels", "//   dL/dx += Wᵀ ⊛ dL/dz      (col2im(Wᵀ · dL/dz))");
        c.Line($"{c.T.Call("Conv2D", "Backward")}({c.Name}Geometry, n, {c.X}, {c.Parameter("Weight")}, {c.DY()}, dx: {c.DxArg}, dw: {c.Gradient("Weight")}, db: {(Bias ? c.Gradient("Bias") : "default")});");
    }
}

/// <summary>What Conv2D and Dense share: a weight, an optional bias and a fused activation.</summary>
internal static class Weighted
{
    public static string HandleArguments(NodePlan node, string shape)
        => $"{node.PathLiteral}, {shape}, {node.Flops}, p{node.Name}Weight, {(node.Parameters.Length > 1 ? "p" + node.Name + "Bias" : "null")}";

    /// <summary>The math comments of a weighted backward, then dL/dy → dL/dz in place when an activation is fused.</summary>
    public static void BackwardHeader(LayerCode c, ActSpec fused, bool bias, string dw, string db, string dx)
    {
        if (!fused.IsNone)
            c.Line($"//   dL/dz  = dL/dy ⊙ f'(z),   {fused.Derivative}   (from the kept output y; z was not kept)");
        c.Line(dw);
        if (bias) c.Line(db);
        c.Line(c.Dx is null ? "//   dL/dx is not needed (nothing trainable upstream)" : dx);
        if (!fused.IsNone)
            c.Line($"{c.T.Call("Activation", "ApplyDerivativeInPlace")}({fused.Arguments}, {c.Y()}, {c.DY()});   // {c.DY()} now holds dL/dz");
    }
}
