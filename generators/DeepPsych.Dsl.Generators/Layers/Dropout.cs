using System.Globalization;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Dropout]: inverted dropout; the mask is a pure function of (Seed, Step, element) and is kept for backward.
/// Identity at inference. Runtime: DropoutOp.</summary>
internal sealed record DropoutOptions(double Rate) : LayerOptions
{
    public static readonly LayerKind Row = new("Dropout", typeof(DropoutAttribute), "Dropout", a => new DropoutOptions(a.ConstructorDouble)) { Example = "Dropout(0.5)" };

    public override LayerKind Kind => Row;
    public override string HashText => HashFields(rate: Rate);

    public override int[]? OutputShape(ShapeContext c)
    {
        // Checked as the float the runtime gets: 0.99999999999 is below 1 as a double but rounds to 1f.
        if (Rate >= 0 && (float)Rate < 1f) return c.Input.Shape;
        c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "rate", Rate, "dropout drops a fraction of units: use 0 <= rate < 1 (0.5 is the classic choice)");
        return null;
    }

    public override long Flops(LayerShapes shapes) => 0;

    public override IEnumerable<SavedBuffer> Saved => [new("Mask", false, "the dropout mask, 0 or 1/(1-p)")];

    public override string Describe() => "Dropout " + Rate.ToString("R", CultureInfo.InvariantCulture);


    public override void Forward(LayerCode c)
    {
        c.Line($"//   training: y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) from (Seed, Step, element); inference: y = x");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"if (training) {c.T.Call("Dropout", "Forward")}({Literal.Float((float)Rate)}, Seed, Step, (long){c.T.Ws}.First * {c.Name}Size, {c.X}, {c.Y()}, {c.Saved("Mask")});");
        c.Line($"else {c.T.Copy(c.X, c.Y())}");
    }

    /// <summary>Inference: the identity (the export is an inference graph).</summary>
    public override void Onnx(OnnxCode c) => c.Add("Identity", [c.X], c.Y);

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx += dL/dy ⊙ m / (1 − p)   (the mask kept from forward)");
        c.Line($"{c.T.Call("Dropout", "Backward")}({c.DY()}, {c.Saved("Mask")}, {c.DxArg});");
    }
}
