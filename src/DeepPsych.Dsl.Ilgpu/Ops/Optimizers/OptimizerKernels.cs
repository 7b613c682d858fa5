using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Optimizer updates, one thread per parameter, statement for statement as <c>Sgd.Update</c> and <c>Adam.Update</c>
/// (torch.optim semantics). Flags are ints (0/1); an absent mask or momentum buffer is signalled by a flag and a dummy view.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>SGD: g = grad + λ·mask·p; b = first ? g : μ·b + (1 − dampening)·g; g = nesterov ? g + μ·b : b; p −= lr·g.</summary>
    public static void Sgd(Index1D index, float lr, float wd, float mu, float keep, int nesterov, int first, int hasMask,
        ArrayView<float> p, ArrayView<float> grad, ArrayView<float> buf, ArrayView<float> mask)
    {
        int i = index;
        float g = grad[i];
        float lambda = hasMask != 0 ? wd * mask[i] : wd;
        if (lambda != 0f) g += lambda * p[i];
        if (mu != 0f)
        {
            float b = first != 0 ? g : mu * buf[i] + keep * g;
            buf[i] = b;
            g = nesterov != 0 ? g + mu * b : b;
        }
        p[i] -= lr * g;
    }

    /// <summary>Adam/AdamW: decay (coupled through g, or decoupled p ·= 1 − lr·λ); m, v moments; p −= stepSize · m / (√v / c2 + ε).</summary>
    public static void Adam(Index1D index, AdamParams a, ArrayView<float> p, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, ArrayView<float> mask)
    {
        int i = index;
        float g = grad[i];
        float lambda = a.HasMask != 0 ? a.WeightDecay * mask[i] : a.WeightDecay;
        if (lambda != 0f)
        {
            if (a.Decoupled != 0) p[i] *= 1f - a.LearningRate * lambda;
            else g += lambda * p[i];
        }
        float mi = a.Beta1 * m[i] + (1f - a.Beta1) * g;
        float vi = a.Beta2 * v[i] + (1f - a.Beta2) * (g * g);
        m[i] = mi;
        v[i] = vi;
        float denom = XMath.Sqrt(vi) / a.Correction2Sqrt + a.Epsilon;
        p[i] -= a.StepSize * (mi / denom);
    }
}

/// <summary>The scalar arguments of <see cref="OptimizerKernels.Adam"/> (a struct keeps the kernel signature short).</summary>
public readonly record struct AdamParams(float LearningRate, float WeightDecay, float Beta1, float Beta2, float Epsilon, float StepSize, float Correction2Sqrt, int Decoupled, int HasMask);
