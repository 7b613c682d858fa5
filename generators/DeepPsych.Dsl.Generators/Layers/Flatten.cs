namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Flatten]: C×H×W viewed as one vector (a view: see <see cref="ViewOptions"/>).</summary>
internal sealed record FlattenOptions : ViewOptions
{
    public static readonly LayerKind Row = new("Flatten", typeof(FlattenAttribute), "Flatten", _ => new FlattenOptions()) { Example = "Flatten" };

    public override LayerKind Kind => Row;

    public override int[]? OutputShape(ShapeContext c) => [ShapeMath.Product(c.Input.Shape)];

    public override string Describe() => "Flatten";

    public override void Onnx(OnnxCode c) => c.Add("Flatten", [c.X], c.Y, OnnxCode.Int("axis", 1));

    protected override string ForwardMath => "x viewed as a vector";

    protected override string BackwardMath(LayerCode c) => $"dL/dy viewed back as {ShapeMath.Format(c.Node.InputShape)}";
}
