using System.Globalization;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>[BatchNorm2D] (C×H×W) and [BatchNorm1D] (C, or C×L): PyTorch's <c>nn.BatchNorm2d</c>/<c>nn.BatchNorm1d</c>,
/// one record for both rows (they differ only in the input rank they accept). Training normalises with the whole batch's
/// statistics, which couples the CPU pass's shards (<see cref="CouplesBatch"/>); inference uses the running statistics.
/// Runtime: BatchNormOp (sharded pieces on the CPU, whole-batch calls on a device).</summary>
internal sealed record BatchNormOptions(bool Image, float Epsilon, float Momentum, bool Affine) : LayerOptions
{
    public static readonly LayerKind Row2D = new("BatchNorm2D", typeof(BatchNorm2DAttribute), "BatchNorm", a => Read(a, new BatchNorm2DAttribute(), image: true)) { Example = "BatchNorm2D" };
    public static readonly LayerKind Row1D = new("BatchNorm1D", typeof(BatchNorm1DAttribute), "BatchNorm", a => Read(a, new BatchNorm1DAttribute(), image: false)) { Example = "BatchNorm1D" };

    private static LayerOptions Read(AttributeReader a, BatchNormAttribute d, bool image)
    {
        return new BatchNormOptions(image, a.Float(nameof(d.Epsilon), d.Epsilon), a.Float(nameof(d.Momentum), d.Momentum), a.Bool(nameof(d.Affine), d.Affine));
    }

    public override LayerKind Kind => Image ? Row2D : Row1D;

    /// <summary>Format 1 with Affine as the bias flag and ε as the rate; the momentum follows (no saved checkpoint predates this kind).</summary>
    public override string HashText => HashFields(bias: Affine, rate: Epsilon) + "," + Text(Momentum);

    private static string Text(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    public override bool Trainable => Affine;
    public override Init DeclaredInit => Init.Ones;   // γ = 1; β, a bias, starts at 0
    public override bool CouplesBatch => true;

    public override int[]? OutputShape(ShapeContext c)
    {
        var shape = c.Input.Shape;
        if (Image && shape.Length != 3)
            c.Report(DiagnosticDescriptors.RankMismatch, c.Name, Kind.Name, "channels x height x width", $"the vector {c.Input.Text}", c.Input.After,
                "use [BatchNorm1D] for a vector of features (after a Dense layer), or place it before any Dense or Flatten layer");
        if (!Image && shape.Length is not (1 or 2))
            c.Report(DiagnosticDescriptors.RankMismatch, c.Name, Kind.Name, "features (C) or C x L", $"the image {c.Input.Text}", c.Input.After,
                "use [BatchNorm2D] for channels x height x width, or place it after a Flatten or Dense layer");
        if (!(Epsilon > 0f) || float.IsInfinity(Epsilon))
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Epsilon", Epsilon, "ε keeps 1/√(σ² + ε) finite: use a small positive number (PyTorch's default is 1e-5)");
        if (!(Momentum >= 0f && Momentum <= 1f))
            c.Report(DiagnosticDescriptors.InvalidOption, c.Name, "Momentum", Momentum, "the running statistics move by momentum·(batch value − running value): use 0 ≤ momentum ≤ 1 (PyTorch's default is 0.1)");
        return c.Reported ? null : shape;
    }

    private static int Channels(LayerShapes shapes) => shapes.Input[0];

    /// <summary>Values per channel and sample: H·W (2D), L (1D on C×L) or 1.</summary>
    private static int Spatial(IReadOnlyList<int> input) => input.Skip(1).Aggregate(1, (a, b) => a * b);

    public override IEnumerable<ParameterShape> Parameters(LayerShapes shapes)
    {
        if (!Affine) yield break;
        yield return new("weight", [Channels(shapes)], 0, 0);
        yield return new("bias", [Channels(shapes)], 0, 0);
    }

    public override IEnumerable<BufferShape> Buffers(LayerShapes shapes)
    {
        yield return new("running_mean", [Channels(shapes)], 0f);
        yield return new("running_var", [Channels(shapes)], 1f);
        yield return new("num_batches_tracked", [], 0f, IsInt64: true);
    }

    /// <summary>Per element: subtract, scale, shift (inference's affine map: one multiply-add).</summary>
    public override long Flops(LayerShapes shapes) => 2L * ShapeMath.Product(shapes.Input);

    public override IEnumerable<NodeState> State(NodePlan node)
    {
        int channels = node.InputShape[0];
        yield return new("Mean", "float", channels, StateScope.Network, "the batch mean μ per channel, kept for backward");
        yield return new("InvStd", "float", channels, StateScope.Network, "1/√(σ² + ε) of the batch per channel, kept for backward");
        yield return new("Statistics", "double", 3 * channels, StateScope.CpuNetwork, "the whole batch's (count, mean, M2) per channel, combined from the shards");
        yield return new("Sums", "double", 2 * channels, StateScope.CpuNetwork, "the whole batch's Σdy and Σdy·(x − μ) per channel");
        yield return new("Coefficients", "float", 3 * channels, StateScope.CpuNetwork, "dx = k·dy + c1·x + c0 per channel");
        yield return new("Partials", "double", 3 * channels, StateScope.Shard, "this shard's (count, mean, M2) per channel");
        yield return new("BackwardPartials", "double", 2 * channels, StateScope.Shard, "this shard's Σdy and Σdy·(x − μ) per channel");
    }

    public override string Describe() => $"{Kind.Name} eps={Text(Epsilon)} m={Text(Momentum)}" + (Affine ? "" : " noaffine");

    public override string HandleArguments(NodePlan node, string shape)
        => $"{node.PathLiteral}, \"{Kind.Name}\", {shape}, {node.Flops}, [{string.Join(", ", node.Parameters.Select(p => "p" + p.Id))}], [{string.Join(", ", node.Buffers.Select(b => "b" + b.Id))}]";

    private static string Shape(LayerCode c) => $"{c.Node.InputShape[0]}, {Spatial(c.Node.InputShape.Items)}";
    private string Gamma(LayerCode c) => Affine ? c.Parameter("Weight") : "default";
    private string Beta(LayerCode c) => Affine ? c.Parameter("Bias") : "default";

    public override void Forward(LayerCode c)
    {
        c.Line($"//   training: y = γ·(x − μ)/√(σ² + ε) + β with the whole batch's μ and biased σ² per channel; running stats r ← {Text(1 - Momentum)}·r + {Text(Momentum)}·batch (σ² unbiased)");
        c.Line("//   inference: y = γ·(x − running mean)/√(running var + ε) + β");
        c.Line($"{c.T.View} {c.Y()} = {c.OutputBuffer};");
        string running = $"{c.BufferTensor("RunningMean")}, {c.BufferTensor("RunningVar")}";
        if (c.T.IsDevice)
        {
            c.Line("if (training)");
            c.Line("{");
            c.Line($"    {c.T.Call("BatchNorm", "ForwardTraining")}(n, {Shape(c)}, {c.X}, {Gamma(c)}, {Beta(c)}, {Literal.Float(Epsilon)}, {Literal.Float(Momentum)}, {running}, {c.Y()}, {c.State("Mean")}, {c.State("InvStd")});");
            c.Line($"    {c.Counter("NumBatchesTracked")}++;");
            c.Line("}");
        }
        else
            c.Line($"if (training) {c.T.Call("BatchNorm", "Normalize")}(n, {Shape(c)}, {c.X}, {Gamma(c)}, {Beta(c)}, {c.State("Mean")}, {c.State("InvStd")}, {c.Y()});   // μ, invStd: {c.Node.Path}'s combining step");
        string inference = $"{c.T.Call("BatchNorm", "ForwardInference")}(n, {Shape(c)}, {c.X}, {Gamma(c)}, {Beta(c)}, {running}, {Literal.Float(Epsilon)}, {c.Y()});";
        c.Line(c.FoldingLayer is { } layer ? $"else if (!_frozen) {inference}   // a frozen copy folded it into {layer}, which wrote {c.Y()}" : "else " + inference);
    }

    /// <summary>ONNX's BatchNormalization in inference form: the running statistics are initializers under their PyTorch
    /// names, γ and β the parameters (constant 1 and 0 without Affine); ONNX's momentum is PyTorch's 1 − momentum (it
    /// weighs the running value), written for completeness: inference does not read it.</summary>
    public override void Onnx(OnnxCode c)
    {
        int channels = c.Node.InputShape[0];
        string gamma = Affine ? c.Parameter("weight") : c.Filled("gamma", channels, 1f);
        string beta = Affine ? c.Parameter("bias") : c.Filled("beta", channels, 0f);
        c.Add("BatchNormalization", [c.X, gamma, beta, c.Buffer("running_mean"), c.Buffer("running_var")], c.Y,
            OnnxCode.Float("epsilon", Epsilon), OnnxCode.Float("momentum", 1f - Momentum));
    }

    /// <summary>Only where a batch of one could fail (one position per channel): the message names the layer.</summary>
    public override void TrainingCheck(LayerCode c)
    {
        if (Spatial(c.Node.InputShape.Items) < 2)
            c.Line($"global::DeepPsych.Dsl.Execution.NetworkChecks.BatchStatistics(Name, {c.Node.PathLiteral}, \"{Kind.Name}\", batch, {Spatial(c.Node.InputShape.Items)});");
    }

    public override void ForwardPartials(LayerCode c)
    {
        c.Line($"if (training) {c.T.Call("BatchNorm", "PartialStatistics")}(n, {Shape(c)}, {c.X}, {c.ShardState("Partials")});   // this shard's (count, mean, M2) per channel");
    }

    public override void ForwardCombine(LayerCode c)
    {
        c.Line($"// {c.Node.Path}: the whole batch's mean and biased variance per channel (Chan's combination of the shards' partials, in double);");
        c.Line("//   the running statistics move (unbiased variance) and num_batches_tracked counts the step");
        c.Line($"global::System.Array.Clear({c.State("Statistics")});");
        c.Line($"for (int s = 0; s < shards; s++) {c.T.Call("BatchNorm", "CombineStatistics")}(_workspaces[s].{c.Name}Partials, {c.State("Statistics")});");
        c.Line($"{c.T.Call("BatchNorm", "BatchStatistics")}({c.Node.InputShape[0]}, {c.State("Statistics")}, {Literal.Float(Epsilon)}, {Literal.Float(Momentum)}, {c.BufferTensor("RunningMean")}, {c.BufferTensor("RunningVar")}, {c.State("Mean")}, {c.State("InvStd")});");
        c.Line($"{c.Counter("NumBatchesTracked")}++;");
    }

    public override void BackwardPartials(LayerCode c)
    {
        c.Line($"{c.T.Call("BatchNorm", "BackwardPartials")}(n, {Shape(c)}, {c.X}, {c.State("Mean")}, {c.DY()}, {c.ShardState("BackwardPartials")});   // this shard's Σdy, Σdy·(x − μ)");
    }

    public override void BackwardCombine(LayerCode c)
    {
        c.Line($"// {c.Node.Path}: the whole batch's Σdy and Σdy·(x − μ) per channel; dL/dβ += Σdy and dL/dγ += Σdy·x̂ once; dx coefficients");
        c.Line($"global::System.Array.Clear({c.State("Sums")});");
        c.Line($"for (int s = 0; s < shards; s++) {c.T.Call("BatchNorm", "AddPartials")}(_workspaces[s].{c.Name}BackwardPartials, {c.State("Sums")});");
        c.Line($"{c.T.Call("BatchNorm", "BackwardCoefficients")}({c.Node.InputShape[0]}, (double)_batch * {Spatial(c.Node.InputShape.Items)}, {c.State("Sums")}, {Gamma(c)}, {c.State("Mean")}, {c.State("InvStd")}, " +
            $"{(Affine ? c.Gradient("Weight") : "default")}, {(Affine ? c.Gradient("Bias") : "default")}, {c.State("Coefficients")});");
    }

    public override void Backward(LayerCode c)
    {
        c.Line("//   x̂ = (x − μ)·invStd;   dL/dβ += Σ dL/dy;   dL/dγ += Σ dL/dy·x̂   (sums over the whole batch and positions)");
        c.Line(c.Dx is null ? "//   dL/dx is not needed (nothing trainable upstream)" : "//   dL/dx += γ·invStd/M · (M·dL/dy − Σ dL/dy − x̂·Σ dL/dy·x̂),   M = batch·positions");
        if (c.T.IsDevice)
            c.Line($"{c.T.Call("BatchNorm", "BackwardTraining")}(n, {Shape(c)}, {c.X}, {Gamma(c)}, {c.State("Mean")}, {c.State("InvStd")}, {c.DY()}, {c.DxArg}, " +
                $"{(Affine ? c.Gradient("Weight") : "default")}, {(Affine ? c.Gradient("Bias") : "default")});");
        else if (c.Dx is not null)
            c.Line($"{c.T.Call("BatchNorm", "BackwardData")}(n, {Shape(c)}, {c.X}, {c.DY()}, {c.State("Coefficients")}, {c.Dx});" + (Affine ? $"   // dγ, dβ: {c.Node.Path}'s combining step" : ""));
    }
}
