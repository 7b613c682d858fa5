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
    public static LossCode For(Loss loss) => loss == Loss.SoftmaxCrossEntropy ? SoftmaxCrossEntropy : MeanSquaredError;

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
