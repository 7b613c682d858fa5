namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>What MaxPool2D and AvgPool2D share: a square window (stride 0 = the kernel), its checks, output shape,
/// cost and geometry (runtime: Pool2DGeometry).</summary>
internal abstract record Pool2DOptions(Window2D Window) : LayerOptions
{
    /// <summary>The square window of a pooling attribute: kernel from the constructor, stride 0 meaning the kernel.</summary>
    protected static Window2D SquareWindow(int kernel, int stride, int padding)
    {
        int s = stride == 0 ? kernel : stride;
        return new Window2D(kernel, kernel, s, s, padding, padding, 1, 1);
    }

    public override int[]? OutputShape(ShapeContext c)
    {
        if (!c.NeedsImage(Kind.Name)) return null;
        if (Window.KernelH <= 0)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Kernel", Window.KernelH, "the pooling window must be at least 1");
        Window.CheckOptions(c);
        if (Window.KernelH > 0 && Window.PadH > Window.KernelH / 2)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Padding", Window.PadH, $"pooling padding must be at most half the kernel ({Window.KernelH / 2})",
                "reduce Padding or enlarge Kernel");
        if (c.Reported) return null;
        var hw = Window.OutputSize(c);
        return hw is null ? null : [c.Input.Shape[0], hw[0], hw[1]];
    }

    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Output) * Window.KernelH * Window.KernelW;

    protected string WindowText => $"{Kind.Name} {Window.KernelH}x{Window.KernelW}/{Window.StrideH}" + (Window.PadH != 0 ? $" p{Window.PadH}" : "");


    public override string? GeometryField(NodePlan node)
        => $"private static readonly global::DeepPsych.Dsl.Ops.Pool2DGeometry {node.Name}Geometry = new(Channels: {node.InputShape[0]}, InHeight: {node.InputShape[1]}, InWidth: {node.InputShape[2]}, KernelH: {Window.KernelH}, KernelW: {Window.KernelW}, StrideH: {Window.StrideH}, StrideW: {Window.StrideW}, PadH: {Window.PadH}, PadW: {Window.PadW});";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, \"{Kind.Name}\", {shape}, {node.Flops}";
}
