using DeepPsych.Dsl.Devices;

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

    /// <summary><see cref="ClipByGlobalNorm(Span{float}, float)"/> over <paramref name="network"/>'s gradient block, on the
    /// device the network runs on (the norm is reduced there; nothing else moves) or on the host.</summary>
    public static float ClipByGlobalNorm(INeuralNetwork network, float maxNorm)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is not IDeviceTrainable { DeviceState: { } device }) return ClipByGlobalNorm(network.Gradients, maxNorm);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "maxNorm must be positive.");
        double norm = device.GradientStatistics().Norm;
        if (!double.IsFinite(norm)) return (float)norm;
        double coefficient = maxNorm / (norm + 1e-6);
        if (coefficient < 1) device.ScaleGradients((float)coefficient);
        return (float)norm;
    }

    /// <summary><see cref="ClipByValue(Span{float}, float)"/> over <paramref name="network"/>'s gradient block, on its device or the host.</summary>
    public static void ClipByValue(INeuralNetwork network, float clipValue)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is not IDeviceTrainable { DeviceState: { } device }) { ClipByValue(network.Gradients, clipValue); return; }
        if (!(clipValue > 0)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, "clipValue must be positive.");
        device.ClampGradients(clipValue);
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
