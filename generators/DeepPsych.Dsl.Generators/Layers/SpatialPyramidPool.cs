using System.Collections.Immutable;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[SpatialPyramidPool(Levels = new[] { 4, 2, 1 })]: C×H×W → the vector C·Σn², each level the max of n×n adaptive bins
/// (He et al. 2014; PyTorch's adaptive_max_pool2d per level, concatenated). Forward keeps each bin's winner for backward.
/// Runtime: SpatialPyramidPoolOp (bins: AdaptiveBins); device: IDeviceBackend.SpatialPyramidPool*.</summary>
internal sealed record SpatialPyramidPoolOptions(EquatableArray<int> Levels) : LayerOptions
{
    public static readonly LayerKind Row = new("SpatialPyramidPool", typeof(SpatialPyramidPoolAttribute), "Pool", Read) { Example = "SpatialPyramidPool(Levels = new[] { 4, 2, 1 })" };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new SpatialPyramidPoolAttribute();
        return new SpatialPyramidPoolOptions(new EquatableArray<int>(a.Ints(nameof(d.Levels), d.Levels).ToImmutableArray()));
    }

    public override LayerKind Kind => Row;

    private string LevelText => string.Join(", ", Levels);

    /// <summary>Format 1 has no levels field: they follow the common fields (a new kind, so no older hash to keep).</summary>
    public override string HashText => HashFields() + ",levels=" + string.Join(";", Levels);

    public override int[]? OutputShape(ShapeContext c)
    {
        if (!c.NeedsImage(Kind.Name)) return null;
        if (Levels.Length == 0)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Levels", "{ }", "give at least one level, e.g. Levels = new[] { 4, 2, 1 } (He et al. 2014)");
        foreach (int n in Levels)
            if (n < 1)
                c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Levels", $"{{ {LevelText} }}", $"level {n} must be at least 1 bin per side");
        if (c.Reported) return null;
        int h = c.Input.Shape[1], w = c.Input.Shape[2], fits = Math.Min(h, w);
        foreach (int n in Levels)
            if (n > fits)
            {
                c.Report(DiagnosticDescriptors.PyramidLevelTooLarge, c.Name, n, $"{h}x{w}", c.Input.Text, c.Input.After, fits);
                return null;
            }
        return [c.Input.Shape[0] * Levels.Sum(n => n * n)];
    }

    /// <summary>One per input element read per level (each level's bins cover the input about once).</summary>
    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Input) * Levels.Length;

    public override IEnumerable<SavedBuffer> Saved => [new("Switches", true, "which input won each bin")];

    public override string Describe() => $"SpatialPyramidPool {{{LevelText}}}";

    public override string? GeometryField(NodePlan node) => $"private static readonly int[] {node.Name}Levels = [{LevelText}];";

    public override string HandleArguments(NodePlan node, string shape) => $"\"{node.Name}\", \"{Kind.Name}\", {shape}, {node.Flops}";

    private static string Geometry(LayerCode c) => $"n, {c.Node.InputShape[0]}, {c.Node.InputShape[1]}, {c.Node.InputShape[2]}, {c.Name}Levels";

    public override void Forward(LayerCode c)
    {
        c.Line($"//   y = [max over each of the n×n bins of x, for n in {{ {LevelText} }}], bins rows [⌊i·H/n⌋, ⌈(i+1)·H/n⌉) × columns likewise; the switches remember each bin's winner");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("SpatialPyramidPool", "Forward")}({Geometry(c)}, {c.X}, {c.Y()}, {c.Saved("Switches")});");
    }

    /// <summary>ONNX opset 13 has no adaptive max pooling, and the bins of a level that does not divide the input overlap
    /// irregularly (no MaxPool window fits them), so the export refuses it by name rather than approximating.</summary>
    public override void Onnx(OnnxCode c)
        => c.Unsupported("ONNX opset 13 has no adaptive max pooling, so the pyramid's bins (which overlap when a level does not divide the input) have no ONNX form");

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx[switch] += dL/dy   (only each bin's maximum receives gradient)");
        c.Line($"{c.T.Call("SpatialPyramidPool", "Backward")}({Geometry(c)}, {c.DY()}, {c.Saved("Switches")}, {c.DxArg});");
    }
}
