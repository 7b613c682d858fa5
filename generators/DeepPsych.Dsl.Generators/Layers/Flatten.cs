using DeepPsych.Dsl.Generators.Emit;
using DeepPsych.Dsl.Generators.Shapes;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Flatten]: C×H×W viewed as one vector. A view: no buffer, no copy, no cost; its gradient is dL/dy viewed back.</summary>
internal sealed record FlattenOptions : LayerOptions
{
    public static readonly LayerKind Row = new("Flatten", typeof(FlattenAttribute), "Flatten", _ => new FlattenOptions()) { Example = "Flatten" };

    public override LayerKind Kind => Row;
    public override string HashText => HashFields();
    public override bool OwnsOutput => false;
    public override bool GradientInPlace => true;

    public override int[]? OutputShape(ShapeContext c) => [ShapeMath.Product(c.Input.Shape)];

    public override long Flops(int[] inShape, int[] outShape) => 0;

    public override string Describe() => "Flatten";

    public override void Forward(LayerCode c)
    {
        c.Line("//   y = x viewed as a vector: no copy");
        c.Line($"{c.T.View} {c.Y()} = {c.X};");
    }

    public override void Backward(LayerCode c)
    {
        if (c.DxIsDy)
        {
            c.Line($"//   dL/dx = dL/dy viewed back as {ShapeMath.Format(c.Node.InputShape)}: same memory, nothing to do");
            return;
        }
        c.Line($"//   dL/dx += dL/dy viewed back as {ShapeMath.Format(c.Node.InputShape)}");
        c.Line(c.T.Accumulate(c.DY(), c.DxArg));
    }
}
