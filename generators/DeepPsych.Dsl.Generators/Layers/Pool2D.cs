namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>What MaxPool2D and AvgPool2D share: a square window (stride 0 = the kernel), its checks, output shape,
/// cost and geometry (runtime: Pool2DGeometry).</summary>
internal abstract record Pool2DOptions(Window2D Window) : LayerOptions
{
    /// <summary>The square window of a pooling attribute (defaults from <paramref name="d"/>): kernel from the constructor,
    /// stride 0 meaning the kernel, symmetric or per-side padding, ceil mode.</summary>
    protected static Window2D ReadWindow(AttributeReader a, Pool2DAttribute d)
    {
        int kernel = a.ConstructorInt, stride = a.Int(nameof(d.Stride), d.Stride), padding = a.Int(nameof(d.Padding), d.Padding);
        int s = stride == 0 ? kernel : stride;
        return new Window2D(kernel, kernel, s, s, padding, padding, 1, 1) { CeilMode = a.Bool(nameof(d.CeilMode), d.CeilMode) }
            .WithSides(a, d, nameof(d.Padding));
    }

    public override int[]? OutputShape(ShapeContext c)
    {
        if (!c.NeedsImage(Kind.Name)) return null;
        if (Window.KernelH <= 0)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Kernel", Window.KernelH, "the pooling window must be at least 1");
        Window.CheckOptions(c);
        int widest = Math.Max(Math.Max(Window.PadH, Window.PadW), Math.Max(Window.PadBottom, Window.PadRight));
        if (Window.KernelH > 0 && widest > Window.KernelH / 2)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Padding", Window.PadText, $"pooling padding must be at most half the kernel ({Window.KernelH / 2}) on every side",
                "reduce Padding or enlarge Kernel");
        if (c.Reported) return null;
        var hw = Window.OutputSize(c);
        return hw is null ? null : [c.Input.Shape[0], hw[0], hw[1]];
    }

    public override long Flops(LayerShapes shapes) => (long)ShapeMath.Product(shapes.Output) * Window.KernelH * Window.KernelW;

    protected string WindowText => $"{Kind.Name} {Window.KernelH}x{Window.KernelW}/{Window.StrideH}"
        + (Window.PadH != 0 || Window.Asymmetric ? $" p{Window.PadText}" : "") + (Window.CeilMode ? " ceil" : "");

    /// <summary>Whether any side is padded.</summary>
    protected bool Padded => Window.PadH != 0 || Window.PadW != 0 || Window.PadBottom != 0 || Window.PadRight != 0;


    public override string? GeometryField(NodePlan node)
        => $"private static readonly global::DeepPsych.Dsl.Ops.Pool2DGeometry {node.Name}Geometry = new(Channels: {node.InputShape[0]}, InHeight: {node.InputShape[1]}, InWidth: {node.InputShape[2]}, KernelH: {Window.KernelH}, KernelW: {Window.KernelW}, StrideH: {Window.StrideH}, StrideW: {Window.StrideW}, PadH: {Window.PadH}, PadW: {Window.PadW}){Window.GeometryInitializers};";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"{Kind.Name}\", {shape}, {node.Flops}";
}
