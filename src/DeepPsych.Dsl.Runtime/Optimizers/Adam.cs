using DeepPsych.Dsl.Devices;

namespace DeepPsych.Dsl.Optimizers;

/// <summary>Adam with coupled L2 weight decay — exactly <c>torch.optim.Adam</c> (without amsgrad).</summary>
/// <remarks>
/// Per element, at step t (1-based):
/// <code>
/// g = grad + λ·p                               (coupled: the decay goes through the moments)
/// m = β1·m + (1 − β1)·g
/// v = β2·v + (1 − β2)·g²
/// p = p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
/// </code>
/// The bias corrections are computed in double, as PyTorch computes them in Python.
/// </remarks>
public class Adam : Optimizer
{
    private float[][]? _state;

    /// <summary>Creates the optimizer with PyTorch's defaults (β = 0.9, 0.999; ε = 1e-8).</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0f)
        : base(learningRate, weightDecay)
    {
        Check(beta1, beta2, epsilon);
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <inheritdoc/>
    public override string Kind => "adam";
    /// <summary>β1, decay of the first moment.</summary>
    public float Beta1 { get; private set; }
    /// <summary>β2, decay of the second moment.</summary>
    public float Beta2 { get; private set; }
    /// <summary>ε, added to the denominator.</summary>
    public float Epsilon { get; private set; }
    /// <summary>Whether weight decay is decoupled (AdamW) rather than added to the gradient (Adam).</summary>
    protected virtual bool Decoupled => false;

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames { get; } = ["exp_avg", "exp_avg_sq"];

    /// <inheritdoc/>
    protected override float[][]? State { get => _state; set => _state = value; }

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> grad, ReadOnlySpan<float> decayMask)
    {
        Span<float> m = _state![0], v = _state[1];
        float lr = LearningRate, wd = WeightDecay, b1 = Beta1, b2 = Beta2, eps = Epsilon;
        double t = StepCount;
        float stepSize = (float)(lr / (1 - Math.Pow(b1, t)));
        float correction2Sqrt = (float)Math.Sqrt(1 - Math.Pow(b2, t));
        bool masked = !decayMask.IsEmpty, decoupled = Decoupled;
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i];
            float lambda = masked ? wd * decayMask[i] : wd;
            if (lambda != 0)
            {
                if (decoupled) p[i] *= 1f - lr * lambda; // AdamW: shrink the weight, leave the moments alone
                else g += lambda * p[i];                  // Adam: L2 through the gradient
            }
            float mi = m[i] = b1 * m[i] + (1f - b1) * g;
            float vi = v[i] = b2 * v[i] + (1f - b2) * (g * g);
            float denom = MathF.Sqrt(vi) / correction2Sqrt + eps;
            p[i] -= stepSize * (mi / denom); // addcdiv_: p + value · (m / denom)
        }
    }

    /// <inheritdoc/>
    protected override void UpdateOnDevice(in OptimizerViews views) =>
        views.Backend.AdamUpdate(AdamStep.For(this, StepCount), views.Parameters, views.Gradients, views.State[0], views.State[1], views.DecayMask);

    /// <inheritdoc/>
    protected override void ExportHyperparameters(IDictionary<string, double> into)
    {
        into["beta1"] = Beta1;
        into["beta2"] = Beta2;
        into["eps"] = Epsilon;
    }

    private static void Check(double beta1, double beta2, double epsilon)
    {
        RequireUnitInterval(nameof(beta1), beta1, "β1");
        RequireUnitInterval(nameof(beta2), beta2, "β2");
        RequireAtLeastZero(nameof(epsilon), epsilon, "ε");
    }

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, double> from) =>
        Check(from.GetValueOrDefault("beta1", Beta1), from.GetValueOrDefault("beta2", Beta2), from.GetValueOrDefault("eps", Epsilon));

    /// <inheritdoc/>
    protected override void ImportHyperparameters(IReadOnlyDictionary<string, double> from)
    {
        if (from.TryGetValue("beta1", out double b1)) Beta1 = (float)b1;
        if (from.TryGetValue("beta2", out double b2)) Beta2 = (float)b2;
        if (from.TryGetValue("eps", out double e)) Epsilon = (float)e;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Decoupled ? "AdamW" : "Adam")}(lr={Format(LearningRate)}, betas=({Format(Beta1)}, {Format(Beta2)}), eps={Format(Epsilon)}, weight_decay={Format(WeightDecay)})";
}

/// <summary>AdamW: Adam with decoupled weight decay — exactly <c>torch.optim.AdamW</c> (default λ = 0.01).</summary>
/// <remarks>Per element, before the Adam update: <c>p = p · (1 − lr·λ)</c>; the gradient and moments do not see λ.</remarks>
public sealed class AdamW : Adam
{
    /// <summary>Creates the optimizer with PyTorch's defaults (β = 0.9, 0.999; ε = 1e-8; λ = 0.01).</summary>
    public AdamW(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f)
        : base(learningRate, beta1, beta2, epsilon, weightDecay) { }

    /// <inheritdoc/>
    public override string Kind => "adamw";
    /// <inheritdoc/>
    protected override bool Decoupled => true;
}
