using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Devices;

/// <summary>
/// The hyper-parameters of one <see cref="Sgd"/> step, as a device kernel needs them (the rule is <see cref="Sgd"/>'s exactly:
/// g = grad + λ·mask·p; b = first ? g : μ·b + (1 − dampening)·g; g = nesterov ? g + μ·b : b; p −= lr·g).
/// </summary>
/// <param name="LearningRate">lr.</param>
/// <param name="WeightDecay">λ (coupled).</param>
/// <param name="Momentum">μ (0 = plain SGD; then no momentum buffer is used).</param>
/// <param name="Dampening">Dampening of the gradient added to the buffer.</param>
/// <param name="Nesterov">Nesterov momentum.</param>
/// <param name="FirstStep">True on step 1, when PyTorch sets the buffer to g instead of blending.</param>
public readonly record struct SgdStep(float LearningRate, float WeightDecay, float Momentum, float Dampening, bool Nesterov, bool FirstStep)
{
    /// <summary>The hyper-parameters of <paramref name="sgd"/> for step number <paramref name="t"/> (1-based).</summary>
    public static SgdStep For(Sgd sgd, long t) => new(sgd.LearningRate, sgd.WeightDecay, sgd.Momentum, sgd.Dampening, sgd.Nesterov, t == 1);
}

/// <summary>
/// The hyper-parameters of one <see cref="Adam"/>/<see cref="AdamW"/> step, with the bias corrections already computed in
/// double on the host exactly as <see cref="Adam"/> does: <c>StepSize = lr / (1 − β1^t)</c>, <c>Correction2Sqrt = √(1 − β2^t)</c>.
/// </summary>
/// <param name="LearningRate">lr (used by AdamW's decoupled decay).</param>
/// <param name="WeightDecay">λ.</param>
/// <param name="Beta1">β1.</param>
/// <param name="Beta2">β2.</param>
/// <param name="Epsilon">ε.</param>
/// <param name="StepSize">lr / (1 − β1^t).</param>
/// <param name="Correction2Sqrt">√(1 − β2^t).</param>
/// <param name="Decoupled">AdamW (p ·= 1 − lr·λ) rather than Adam (g += λ·p).</param>
public readonly record struct AdamStep(float LearningRate, float WeightDecay, float Beta1, float Beta2, float Epsilon, float StepSize, float Correction2Sqrt, bool Decoupled)
{
    /// <summary>The hyper-parameters of <paramref name="adam"/> for step number <paramref name="step"/> (1-based).</summary>
    public static AdamStep For(Adam adam, long step)
    {
        double t = step;
        return new(adam.LearningRate, adam.WeightDecay, adam.Beta1, adam.Beta2, adam.Epsilon,
            (float)(adam.LearningRate / (1 - Math.Pow(adam.Beta1, t))), (float)Math.Sqrt(1 - Math.Pow(adam.Beta2, t)), adam is AdamW);
    }
}
