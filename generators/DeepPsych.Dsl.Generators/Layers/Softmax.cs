namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[Softmax] and [LogSoftmax]: probabilities or log-probabilities over the class vector, for inference (PyTorch's
/// nn.Softmax(dim=1) / nn.LogSoftmax(dim=1)). Backward from the kept output y. Runtime: SoftmaxOp (Forward/LogForward);
/// device: IDeviceBackend.Softmax*. A [Softmax] whose output feeds Loss.SoftmaxCrossEntropy would apply softmax twice:
/// <see cref="OutputsProbabilities"/> lets the planner refuse it (DPD0062); [LogSoftmax] there is log_softmax + nll_loss.</summary>
internal sealed record SoftmaxOptions(bool Log) : LayerOptions
{
    public static readonly LayerKind Row = new("Softmax", typeof(SoftmaxAttribute), "Activation", _ => new SoftmaxOptions(false)) { Example = "Softmax" };
    public static readonly LayerKind LogRow = new("LogSoftmax", typeof(LogSoftmaxAttribute), "Activation", _ => new SoftmaxOptions(true)) { Example = "LogSoftmax" };

    public override LayerKind Kind => Log ? LogRow : Row;

    /// <summary>Format 1 has no field for it: the kind name follows the common fields (new kinds, no older hash to keep).</summary>
    public override string HashText => HashFields() + "," + Kind.Name;

    /// <summary>Softmax's outputs are probabilities: a softmax cross-entropy loss after it would apply softmax a second time.</summary>
    public override bool OutputsProbabilities => !Log;

    public override int[]? OutputShape(ShapeContext c)
    {
        if (c.Input.Shape.Length != 1)
        {
            c.Report(DiagnosticDescriptors.RankMismatch, c.Name, Kind.Name, "vector of class scores", $"the {c.Input.Text} tensor", c.Input.After,
                "place it after the last Dense layer (or a Flatten)");
            return null;
        }
        return c.Input.Shape;
    }

    /// <summary>Per class: the max, the exponential, the sum and the scale.</summary>
    public override long Flops(LayerShapes shapes) => 4 * ShapeMath.Product(shapes.Output);

    public override string Describe() => Kind.Name;

    public override string HandleArguments(NodePlan node, string shape) => $"\"{node.Name}\", {shape}, {node.Flops}";

    private static string Rows(LayerCode c) => $"n, {c.Node.InputShape[0]}";

    public override void Forward(LayerCode c)
    {
        c.Line(Log ? "//   y_k = x_k − m − log Σ_j e^(x_j − m),  m = max_j x_j   (log-probabilities)" : "//   y_k = e^(x_k − m) / Σ_j e^(x_j − m),  m = max_j x_j   (probabilities)");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        c.Line($"{c.T.Call("Softmax", Log ? "LogForward" : "Forward")}({Rows(c)}, {c.X}, {c.Y()});");
    }

    public override void Onnx(OnnxCode c) => c.Add(Log ? "LogSoftmax" : "Softmax", [c.X], c.Y, [OnnxCode.Int("axis", 1)]);

    public override void Backward(LayerCode c)
    {
        c.Line(Log ? "//   dL/dx += dL/dy − e^y · Σ_j dL/dy_j" : "//   dL/dx += y ⊙ (dL/dy − Σ_j dL/dy_j · y_j)");
        c.Line($"{c.T.Call("Softmax", Log ? "LogBackward" : "Backward")}({Rows(c)}, {c.Y()}, {c.DY()}, {c.DxArg});");
    }
}
