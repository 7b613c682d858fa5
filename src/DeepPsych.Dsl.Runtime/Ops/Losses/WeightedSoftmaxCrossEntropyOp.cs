namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Softmax cross-entropy with per-class weights and an ignore index — PyTorch's
/// <c>CrossEntropyLoss(weight=w, ignore_index=i, reduction='mean')</c>. Row n with label yₙ ≠ ignore contributes
/// wᵧₙ·(−log softmax(zₙ)[yₙ]); the mean divides by the WEIGHTED count Σ_{n not ignored} wᵧₙ, not by N
/// (<see cref="WeightSum"/>), so the caller computes that first and passes scale = 1/Σw to
/// <see cref="ForwardBackward"/>. Ignored rows add nothing and get a zero gradient. (If every row is ignored PyTorch's
/// mean is 0/0 = NaN; the weight sum is then 0 and the caller decides.) Sibling of <see cref="SoftmaxCrossEntropyOp"/>,
/// which is this with all weights 1 and no ignore index.
/// </summary>
public static class WeightedSoftmaxCrossEntropyOp
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const int DefaultIgnoreIndex = -100;

    /// <summary>Σ_{n : labelₙ ≠ ignoreIndex} w[labelₙ] (w = 1 when <paramref name="weights"/> is empty): the divisor of PyTorch's mean.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A label (not the ignore index) is outside [0, classes).</exception>
    public static double WeightSum(int classes, ReadOnlySpan<int> labels, ReadOnlySpan<float> weights, int ignoreIndex = DefaultIgnoreIndex)
    {
        CheckWeights("WeightedSoftmaxCrossEntropyOp.WeightSum", classes, weights.Length);
        double sum = 0;
        for (int n = 0; n < labels.Length; n++)
        {
            int label = labels[n];
            if (label == ignoreIndex) continue;
            CheckLabel("WeightedSoftmaxCrossEntropyOp.WeightSum", label, n, classes, ignoreIndex);
            sum += weights.IsEmpty ? 1f : weights[label];
        }
        return sum;
    }

    /// <summary>
    /// Returns Σ_n wᵧₙ·(−log softmax(zₙ)[yₙ]) over the rows not ignored (the weighted SUM; divide by <see cref="WeightSum"/>
    /// for PyTorch's mean) and writes dlogits[n, j] = scale·wᵧₙ·(softmax(zₙ)_j − [j = yₙ]), zero on ignored rows
    /// (assignment, not +=).
    /// </summary>
    /// <param name="batch">Rows N.</param>
    /// <param name="classes">Classes K.</param>
    /// <param name="logits">N × K.</param>
    /// <param name="labels">N labels in [0, K), or the ignore index.</param>
    /// <param name="weights">K class weights, or empty for all 1.</param>
    /// <param name="ignoreIndex">Label value whose rows are skipped (PyTorch default −100).</param>
    /// <param name="dlogits">N × K (overwritten).</param>
    /// <param name="scale">Multiplier for the gradient: 1/<see cref="WeightSum"/> over the whole batch for the mean.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes) and not the ignore index.</exception>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static double ForwardBackward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, ReadOnlySpan<float> weights, int ignoreIndex,
        Span<float> dlogits, float scale)
    {
        const string op = "WeightedSoftmaxCrossEntropyOp.ForwardBackward";
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        if (logits.Length != (long)batch * classes) throw new ArgumentException($"{op}: logits has {logits.Length} elements but {batch}x{classes} = {(long)batch * classes} are needed.");
        if (dlogits.Length != logits.Length) throw new ArgumentException($"{op}: dlogits has {dlogits.Length} elements but logits has {logits.Length}.");
        if (labels.Length != batch) throw new ArgumentException($"{op}: labels has {labels.Length} elements but batch is {batch}.");
        CheckWeights(op, classes, weights.Length);
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            int label = labels[n];
            var d = dlogits.Slice(n * classes, classes);
            if (label == ignoreIndex) { d.Clear(); continue; }
            CheckLabel(op, label, n, classes, ignoreIndex);
            var z = logits.Slice(n * classes, classes);
            float w = weights.IsEmpty ? 1f : weights[label];
            SoftmaxOp.Forward(1, classes, z, d);                  // d = softmax(z)
            float m = SoftmaxOp.Max(z);
            double sum = 0;
            foreach (float v in z) sum += Math.Exp(v - m);
            loss += w * (Math.Log(sum) - (z[label] - m));        // −log softmax_label = ln Σ e^{z−m} − (z_label − m)
            float sw = scale * w;
            ElementwiseOp.ScaleShift(d, sw, 0f, d);
            d[label] -= sw;
        }
        return loss;
    }

    private static void CheckWeights(string op, int classes, int weightsLength)
    {
        if (weightsLength != 0 && weightsLength != classes)
            throw new ArgumentException($"{op}: weights has {weightsLength} elements but there are {classes} classes (one weight per class, or none for all 1).");
    }

    private static void CheckLabel(string op, int label, int row, int classes, int ignoreIndex)
    {
        if ((uint)label >= (uint)classes)
            throw new ArgumentOutOfRangeException("labels", label, $"{op}: label {label} of row {row} is outside [0, {classes}) and is not the ignore index {ignoreIndex}.");
    }
}
