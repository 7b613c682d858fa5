namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>What the emitters write for each loss: the math, the targets' buffer and type, how many per-sample losses
/// there are, and the fused loss-and-gradient call on each target. One row per <see cref="Loss"/>.</summary>
internal sealed record LossCode(
    string[] Math,
    string TargetBuffer,
    bool IntTargets,
    /// <summary>Targets and per-sample losses per sample: "1" (a label) or "OutputLength".</summary>
    string PerSample,
    /// <summary>(y, targets, dy) → the CPU call returning the loss sum.</summary>
    Func<string, string, string, string> Cpu,
    /// <summary>(y, targets, dy, losses) → the device call filling per-sample losses.</summary>
    Func<string, string, string, string, string> Device)
{
    /// <summary>Static and instance members the loss needs (class weights, ignore index, the mean's divisor).</summary>
    public string[] Fields { get; init; } = [];

    /// <summary>A statement run on the host before a step, over the whole batch's <c>labels</c> (the weighted divisor), or null.</summary>
    public string? Prepare { get; init; }

    /// <summary>What the step's loss sum is divided by for the mean: the batch size, or the weighted count.</summary>
    public string Divisor { get; init; } = "batch";

    public static LossCode For(Loss loss) => loss == Loss.SoftmaxCrossEntropy ? SoftmaxCrossEntropy : MeanSquaredError;

    /// <summary>The network's loss: <see cref="For(Loss)"/>, or the weighted softmax cross-entropy when class weights or an
    /// ignore index are declared.</summary>
    public static LossCode For(NetworkPlan plan) => plan.Weighting is { } weighting ? Weighted(weighting) : For(plan.Loss);

    /// <summary>PyTorch's CrossEntropyLoss(weight, ignore_index, reduction='mean'): the sum of w[y]·nll over the samples not
    /// ignored, divided by the sum of their weights over the whole batch (computed on the host before the shards run).</summary>
    private static LossCode Weighted(LossWeighting weighting)
    {
        const string scale = "(float)(1.0 / _lossWeightSum)";
        string weights = string.Join(", ", weighting.ClassWeights.Select(Literal.Float));
        return new LossCode(
            ["// Loss — softmax + cross-entropy with class weights w and ignore index (PyTorch's CrossEntropyLoss(weight, ignore_index)):",
             "//   L = Σ w[label]·(−log softmax(y)[label]) / Σ w[label], over the samples whose label is not LossIgnoreIndex",
             "//   dL/dy = w[label]·(softmax(y) − onehot(label)) / Σ w[label] (0 for ignored samples); Σ over the whole batch across shards"],
            "Labels", IntTargets: true, "1",
            (y, labels, dy) => $"global::DeepPsych.Dsl.Ops.WeightedSoftmaxCrossEntropyOp.ForwardBackward(n, OutputLength, {y}, {labels}, s_classWeights, LossIgnoreIndex, {dy}, {scale})",
            (y, labels, dy, losses) => $"b.WeightedSoftmaxCrossEntropy(n, OutputLength, {y}, {labels}, s_classWeights, LossIgnoreIndex, {dy}, {scale}, {losses})")
        {
            Fields =
            [
                $"private static readonly float[] s_classWeights = [{weights}];   // [Network(ClassWeights)]; empty: every class weighs 1",
                $"private const int LossIgnoreIndex = {weighting.IgnoreIndex};   // [Network(IgnoreIndex)]: samples with this label add no loss or gradient",
                "private double _lossWeightSum = 1;   // Σ w[label] over the batch's samples not ignored: the mean's divisor (0 when all are: the loss is NaN, as PyTorch's)",
            ],
            Prepare = "_lossWeightSum = global::DeepPsych.Dsl.Ops.WeightedSoftmaxCrossEntropyOp.WeightSum(OutputLength, labels, s_classWeights, LossIgnoreIndex);   // also checks every label",
            Divisor = "_lossWeightSum",
        };
    }

    private static readonly LossCode SoftmaxCrossEntropy = new(
        ["// Loss — softmax + cross-entropy, fused and stable: L = −(1/B) Σ log softmax(y)[label]",
         "//   dL/dy = (softmax(y) − onehot(label)) / B, B = the whole batch across shards"],
        "Labels", IntTargets: true, "1",
        (y, labels, dy) => $"global::DeepPsych.Dsl.Ops.SoftmaxCrossEntropyOp.ForwardBackward(n, OutputLength, {y}, {labels}, {dy}, 1f / _batch)",
        (y, labels, dy, losses) => $"b.SoftmaxCrossEntropy(n, OutputLength, {y}, {labels}, {dy}, 1f / _batch, {losses})");

    private static readonly LossCode MeanSquaredError = new(
        ["// Loss — mean squared error: L = (1/(B·K)) Σ (y − t)²,  dL/dy = 2 (y − t) / (B·K)"],
        "Targets", IntTargets: false, "OutputLength",
        (y, targets, dy) => $"global::DeepPsych.Dsl.Ops.MseLossOp.ForwardBackward({y}, {targets}, {dy}, 1f / ((float)_batch * OutputLength))",
        (y, targets, dy, losses) => $"b.MseLoss({y}, {targets}, {dy}, 1f / ((float)_batch * OutputLength), {losses})");

    /// <summary>Elements of the targets (or losses) for <paramref name="samples"/> samples: "n" or "n * OutputLength".</summary>
    public string Count(string samples) => PerSample == "1" ? samples : $"{samples} * {PerSample}";
}
