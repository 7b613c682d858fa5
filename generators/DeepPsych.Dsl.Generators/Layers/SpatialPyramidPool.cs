using System.Collections.Immutable;
using DeepPsych.Dsl.Ops;

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

    /// <summary>Per level: the max over our bins (<c>AdaptiveBins</c>, the runtime's own rule, not the paper's windows,
    /// which differ where they leave edge cells out), then Flatten (C × n × n per sample, our layout), and the levels
    /// concatenated. The max over a rectangle is the max over its rows then its columns, so each axis is pooled on its
    /// own: where that axis's bins are one window repeated at a fixed stride (n divides the size, or the paper's
    /// ⌈a/n⌉, ⌊a/n⌋ windows end at the edge) it is a MaxPool along that axis (one MaxPool for both when both are); where
    /// they are irregular (overlapping by one cell here and there) each bin is a Slice and a ReduceMax, concatenated.</summary>
    public override void Onnx(OnnxCode c)
    {
        int h = c.Node.InputShape[1], w = c.Node.InputShape[2];
        var flats = new List<string>();
        for (int l = 0; l < Levels.Length; l++)
        {
            int n = Levels[l];
            string level = "level" + l;
            string pooled = c.Temp(level);
            bool rows = Window(h, n, out int kh, out int sh), columns = Window(w, n, out int kw, out int sw);
            if (rows && columns)
                c.Add("MaxPool", [c.X], pooled, OnnxCode.Ints("kernel_shape", kh, kw), OnnxCode.Ints("strides", sh, sw));
            else
            {
                string byRows = PoolAxis(c, c.X, level + ".rows", axis: 2, h, n, rows, kh, sh);
                PoolAxis(c, byRows, level, axis: 3, w, n, columns, kw, sw);
            }
            string flat = Levels.Length == 1 ? c.Y : c.Temp(level + ".flat");
            c.Add("Flatten", [pooled], flat, OnnxCode.Int("axis", 1));
            flats.Add(flat);
        }
        if (Levels.Length > 1) c.Add("Concat", flats, c.Y, OnnxCode.Int("axis", 1));
    }

    /// <summary>True when the n bins over a cells are one window of <paramref name="kernel"/> cells at stride <paramref name="stride"/>.</summary>
    private static bool Window(int cells, int n, out int kernel, out int stride)
    {
        kernel = AdaptiveBins.End(0, cells, n) - AdaptiveBins.Start(0, cells, n);
        stride = n == 1 ? 1 : AdaptiveBins.Start(1, cells, n);
        for (int i = 0; i < n; i++)
            if (AdaptiveBins.Start(i, cells, n) != i * stride || AdaptiveBins.End(i, cells, n) - AdaptiveBins.Start(i, cells, n) != kernel) return false;
        return true;
    }

    /// <summary>Pools <paramref name="x"/> (N × C × H × W) along one axis (2: rows, 3: columns) into n bins; writes <c>Temp(name)</c>.</summary>
    private static string PoolAxis(OnnxCode c, string x, string name, int axis, int cells, int n, bool regular, int kernel, int stride)
    {
        string y = c.Temp(name);
        if (regular)
        {
            c.Add("MaxPool", [x], y, OnnxCode.Ints("kernel_shape", axis == 2 ? kernel : 1, axis == 2 ? 1 : kernel), OnnxCode.Ints("strides", axis == 2 ? stride : 1, axis == 2 ? 1 : stride));
            return y;
        }
        string axes = c.Int64s($"{name}.axes", axis);
        var bins = new List<string>();
        for (int i = 0; i < n; i++)
        {
            string bin = $"{name}.bin{i}";
            c.Add("Slice", [x, c.Int64s(bin + ".starts", AdaptiveBins.Start(i, cells, n)), c.Int64s(bin + ".ends", AdaptiveBins.End(i, cells, n)), axes], c.Temp(bin + ".cells"));
            c.Add("ReduceMax", [c.Temp(bin + ".cells")], c.Temp(bin), OnnxCode.Ints("axes", axis), OnnxCode.Int("keepdims", 1));
            bins.Add(c.Temp(bin));
        }
        c.Add("Concat", bins, y, OnnxCode.Int("axis", axis));
        return y;
    }

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx[switch] += dL/dy   (only each bin's maximum receives gradient)");
        c.Line($"{c.T.Call("SpatialPyramidPool", "Backward")}({Geometry(c)}, {c.DY()}, {c.Saved("Switches")}, {c.DxArg});");
    }
}
