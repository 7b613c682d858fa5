namespace DeepPsych.Dsl.Ops;

/// <summary>Squared error: the loss sum and its gradient in one pass.</summary>
public static class MseLossOp
{
    /// <summary>
    /// Returns Σ_i (p_i − t_i)² (the SUM, in double; the caller divides) and writes dpredictions[i] = scale · 2 (p_i − t_i)
    /// (assignment; scale is usually 1 / (total batch · outputs), making it the gradient of the mean).
    /// </summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    public static double ForwardBackward(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> dpredictions, float scale)
    {
        if (predictions.Length != targets.Length || predictions.Length != dpredictions.Length)
            throw new ArgumentException($"MseLossOp.ForwardBackward: predictions has {predictions.Length}, targets {targets.Length} and dpredictions {dpredictions.Length} elements; they must match.");
        double sum = 0;
        float twoScale = 2f * scale;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = (double)predictions[i] - targets[i];   // exact: the loss is as accurate as its inputs
            sum += d * d;
            dpredictions[i] = twoScale * (float)d;
        }
        return sum;
    }
}
