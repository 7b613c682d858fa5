namespace DeepPsych.Dsl.Optimizers;

/// <summary>Gradient clipping over a whole gradient block, as <c>torch.nn.utils.clip_grad_norm_</c> and <c>clip_grad_value_</c>.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of <paramref name="gradients"/>, accumulated in double.</summary>
    public static double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        foreach (float g in gradients) sum += (double)g * g;
        return Math.Sqrt(sum);
    }

    /// <summary>Scales <paramref name="gradients"/> so that their global L2 norm is at most <paramref name="maxNorm"/>,
    /// with PyTorch's factor <c>min(1, maxNorm / (norm + 1e-6))</c>, and returns the norm before clipping.
    /// A non-finite norm is returned without scaling, so the caller can report the divergence.</summary>
    public static float ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive.");
        double norm = GlobalNorm(gradients);
        if (!double.IsFinite(norm)) return (float)norm;
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1)
        {
            float c = (float)coefficient;
            for (int i = 0; i < gradients.Length; i++) gradients[i] *= c;
        }
        return (float)norm;
    }

    /// <summary>Clamps every gradient to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>]; NaN stays NaN.</summary>
    public static void ClipByValue(Span<float> gradients, float clipValue)
    {
        if (!(clipValue > 0)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "clipValue must be positive.");
        for (int i = 0; i < gradients.Length; i++)
        {
            float g = gradients[i];
            if (g > clipValue) gradients[i] = clipValue;
            else if (g < -clipValue) gradients[i] = -clipValue;
        }
    }
}
