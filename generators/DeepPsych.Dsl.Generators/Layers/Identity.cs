namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Identity]: y = x, any shape (PyTorch's nn.Identity), a named point in the network that costs nothing
/// (a view: see <see cref="ViewOptions"/>).</summary>
internal sealed record IdentityOptions : ViewOptions
{
    public static readonly LayerKind Row = new("Identity", typeof(IdentityAttribute), "Identity", _ => new IdentityOptions()) { Example = "Identity" };

    public override LayerKind Kind => Row;

    public override int[]? OutputShape(ShapeContext c) => c.Input.Shape;

    public override string Describe() => "Identity";

    public override void Onnx(OnnxCode c) => c.Add("Identity", [c.X], c.Y);

    protected override string ForwardMath => "x";

    protected override string BackwardMath(LayerCode c) => "dL/dy";
}
