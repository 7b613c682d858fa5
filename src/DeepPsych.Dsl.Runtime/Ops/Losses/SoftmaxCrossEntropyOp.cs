namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Softmax followed by cross-entropy against integer labels, fused and numerically stable: with m = max_j z_j,
/// log softmax(z)_k = z_k − m − ln Σ_j e^{z_j − m}, so no exponent ever exceeds 0.
/// </summary>
public static class SoftmaxCrossEntropyOp
{
    /// <summary>
    /// Returns Σ_n −log softmax(logits_n)[label_n] (the SUM over rows; the caller divides) and writes
    /// dlogits[n, j] = scale · (softmax(logits_n)_j − [j = label_n]) (assignment, not +=; scale is usually 1 / total batch).
    /// </summary>
    /// <param name="batch">Rows N.</param>
    /// <param name="classes">Classes K.</param>
    /// <param name="logits">N × K.</param>
    /// <param name="labels">N labels in [0, K).</param>
    /// <param name="dlogits">N × K (overwritten).</param>
    /// <param name="scale">Multiplier for the gradient.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static double ForwardBackward(int batch, int classes, ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, Span<float> dlogits, float scale)
    {
        const string op = "SoftmaxCrossEntropyOp.ForwardBackward";
        Check(op, batch, classes, logits.Length, dlogits.Length, "dlogits");
        if (labels.Length != batch) throw new ArgumentException($"{op}: labels has {labels.Length} elements but batch is {batch}.");
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            int label = labels[n];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"{op}: label {label} of row {n} is outside [0, {classes}).");
            var z = logits.Slice(n * classes, classes);
            var d = dlogits.Slice(n * classes, classes);
            float max = SoftmaxOp.Max(z);
            double sum = 0;
            for (int j = 0; j < classes; j++) { float e = MathF.Exp(z[j] - max); d[j] = e; sum += e; }
            loss += Math.Log(sum) - (z[label] - max);   // −log softmax_label = ln Σ e^{z−m} − (z_label − m)
            float inv = (float)(scale / sum);
            for (int j = 0; j < classes; j++) d[j] *= inv;
            d[label] -= scale;
        }
        return loss;
    }

    /// <summary>probabilities[n, j] = e^{z_j − m} / Σ_k e^{z_k − m} per row (m = the row max).</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Softmax(int batch, int classes, ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        Check("SoftmaxCrossEntropyOp.Softmax", batch, classes, logits.Length, probabilities.Length, "probabilities");
        SoftmaxOp.Forward(batch, classes, logits, probabilities);   // the one (vectorised) softmax
    }

    private static void Check(string op, int batch, int classes, int logitsLength, int outLength, string outName)
    {
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        if (logitsLength != (long)batch * classes) throw new ArgumentException($"{op}: logits has {logitsLength} elements but {batch}x{classes} = {(long)batch * classes} are needed.");
        if (outLength != logitsLength) throw new ArgumentException($"{op}: {outName} has {outLength} elements but logits has {logitsLength}.");
    }
}
