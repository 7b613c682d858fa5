using System.Globalization;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[LocalResponseNorm]: across-channel LRN as PyTorch's <c>nn.LocalResponseNorm</c>, C×H×W → C×H×W.
/// Runtime: LocalResponseNormOp (forward keeps the scale s for backward).</summary>
internal sealed record LocalResponseNormOptions(int Size, float Alpha, float Beta, float K) : LayerOptions
{
    public static readonly LayerKind Row = new("LocalResponseNorm", typeof(LocalResponseNormAttribute), "LocalResponseNorm", Read)
    {
        Example = "LocalResponseNorm(Size = 5, Alpha = 1e-4f, Beta = 0.75f, K = 2f)",
    };

    private static LayerOptions Read(AttributeReader a)
    {
        var d = new LocalResponseNormAttribute();
        return new LocalResponseNormOptions(a.Int(nameof(d.Size), d.Size), a.Float(nameof(d.Alpha), d.Alpha), a.Float(nameof(d.Beta), d.Beta), a.Float(nameof(d.K), d.K));
    }

    public override LayerKind Kind => Row;

    /// <summary>Format 1 carries Size as units and α as the rate; β and k follow (no saved checkpoint predates this kind).</summary>
    public override string HashText => HashFields(units: Size, rate: Alpha) + "," + Text(Beta) + "," + Text(K);

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public override int[]? OutputShape(ShapeContext c)
    {
        if (!c.NeedsImage(Kind.Name)) return null;
        if (Size < 1)
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Size", Size, "the window must hold at least 1 channel (AlexNet uses 5)");
        if (!(K > 0f) || float.IsInfinity(K))
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "K", K, "k must be positive and finite so that k + α/size·Σx² stays positive (PyTorch's default is 1, AlexNet's 2)");
        if (float.IsNaN(Alpha) || float.IsInfinity(Alpha))
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Alpha", Alpha, "α must be finite (PyTorch's default is 1e-4)");
        if (float.IsNaN(Beta) || float.IsInfinity(Beta))
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Beta", Beta, "β must be finite (PyTorch's default is 0.75)");
        return c.Reported ? null : c.Input.Shape;
    }

    /// <summary>Per element: Size squares and adds for the window sum, then a scale, a power and a product (2·Size + 3).</summary>
    public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Input) * (2L * Size + 3);

    public override IEnumerable<SavedBuffer> Saved => [new("Scale", false, "s = k + α/size·Σx², which backward reuses")];

    public override string Describe() => $"LocalResponseNorm {Size} a={Text(Alpha)} b={Text(Beta)} k={Text(K)}";

    public override string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, {shape}, {node.Flops}";

    private string Arguments(LayerCode c)
        => $"n, {c.Node.InputShape[0]}, {c.Node.InputShape[1] * c.Node.InputShape[2]}, {Size}, {Literal.Float(Alpha)}, {Literal.Float(Beta)}, {Literal.Float(K)}";

    public override void Forward(LayerCode c)
    {
        c.Line($"//   s[c] = {Text(K)} + {Text(Alpha)}/{Size} · Σ x[c']² over channels c' ∈ [c − {Size / 2}, c + {(Size - 1) / 2}];   y[c] = x[c] · s[c]^−{Text(Beta)}");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("LocalResponseNorm", "Forward")}({Arguments(c)}, {c.X}, {c.Y()}, {c.Saved("Scale")});");
    }

    /// <summary>ONNX's LRN is this layer for an odd Size. For an even Size ONNX centres the window one channel later
    /// than PyTorch (it takes ⌊(size−1)/2⌋ channels before c, PyTorch size/2), so that export is refused, not approximated.</summary>
    public override void Onnx(OnnxCode c)
    {
        if (Size % 2 == 0)
        {
            c.Unsupported($"Size {Size} is even, and ONNX's LRN window for an even size is not PyTorch's (it starts one channel later); use an odd Size to export");
            return;
        }
        c.Add("LRN", [c.X], c.Y, OnnxCode.Int("size", Size), OnnxCode.Float("alpha", Alpha), OnnxCode.Float("beta", Beta), OnnxCode.Float("bias", K));
    }

    public override void Backward(LayerCode c)
    {
        c.Line("//   dL/dx[j] += dL/dy[j]·s[j]^−β − (2αβ/size)·x[j]·Σ over the channels c whose window holds j of dL/dy[c]·y[c]/s[c]");
        c.Line($"{c.T.Call("LocalResponseNorm", "Backward")}({Arguments(c)}, {c.X}, {c.Y()}, {c.Saved("Scale")}, {c.DY()}, {c.DxArg});");
    }
}
