namespace DeepPsych.Dsl.Optimizers;

/// <summary>A learning rate as a function of the optimizer step: <c>LearningRate(0)</c> is used for the first step.</summary>
/// <remarks>A pure function of the step, so a resumed run (whose optimizer restored its step count) continues the same curve.</remarks>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate for step <paramref name="step"/> (0-based).</summary>
    float LearningRate(long step);
}

/// <summary>The same learning rate at every step.</summary>
/// <param name="Rate">The learning rate.</param>
public sealed record ConstantSchedule(float Rate) : ILearningRateSchedule
{
    /// <inheritdoc/>
    public float LearningRate(long step) => Rate;

    /// <summary>Readable text for logs and <c>metrics.json</c>.</summary>
    public override string ToString() => $"constant {Rate:G4}";
}

/// <summary>Step decay, as <c>torch.optim.lr_scheduler.StepLR</c>: <c>lr = initial · γ^⌊step / stepSize⌋</c>.</summary>
/// <param name="Initial">The learning rate of the first <paramref name="StepSize"/> steps.</param>
/// <param name="StepSize">Steps between decays (PyTorch counts scheduler steps; pass epochs × batches per epoch for epoch-wise decay).</param>
/// <param name="Gamma">Factor applied at each decay.</param>
public sealed record StepSchedule(float Initial, long StepSize, float Gamma = 0.1f) : ILearningRateSchedule
{
    /// <inheritdoc/>
    public float LearningRate(long step)
    {
        if (StepSize <= 0) throw new InvalidOperationException($"StepSchedule needs a positive StepSize, has {StepSize}.");
        return (float)(Initial * Math.Pow(Gamma, Math.Max(0, step) / StepSize));
    }

    /// <summary>Readable text for logs and <c>metrics.json</c>.</summary>
    public override string ToString() => $"step decay: {Initial:G4}, × {Gamma:G4} every {StepSize:N0} steps";
}

/// <summary>Linear warm-up then cosine annealing, as llm.c and <c>CosineAnnealingLR</c> (one half period):
/// <c>lr = max · (step + 1) / warmup</c> during warm-up, then
/// <c>lr = min + (max − min) · (1 + cos(π · (step − warmup) / (total − warmup))) / 2</c>, and <c>min</c> after <paramref name="TotalSteps"/>.</summary>
/// <param name="Max">The peak learning rate, reached at the end of warm-up.</param>
/// <param name="TotalSteps">Steps until the rate reaches <paramref name="Min"/>.</param>
/// <param name="WarmupSteps">Steps of linear warm-up (0 = none).</param>
/// <param name="Min">The final learning rate.</param>
public sealed record CosineSchedule(float Max, long TotalSteps, long WarmupSteps = 0, float Min = 0f) : ILearningRateSchedule
{
    /// <inheritdoc/>
    public float LearningRate(long step)
    {
        if (TotalSteps <= WarmupSteps) throw new InvalidOperationException($"CosineSchedule: TotalSteps ({TotalSteps}) must exceed WarmupSteps ({WarmupSteps}).");
        if (step < WarmupSteps) return (float)((double)Max * (step + 1) / WarmupSteps);
        if (step >= TotalSteps) return Min;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return (float)(Min + (Max - (double)Min) * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>Readable text for logs and <c>metrics.json</c>.</summary>
    public override string ToString() => $"cosine: {(WarmupSteps > 0 ? $"warm-up over {WarmupSteps:N0} steps to " : "")}{Max:G4}, down to {Min:G4} at step {TotalSteps:N0}";
}

/// <summary>The one-cycle policy, exactly <c>torch.optim.lr_scheduler.OneCycleLR</c> with cosine annealing and two
/// phases: from <c>max / divFactor</c> up to <c>max</c> over the first <c>pctStart · total − 1</c> steps, then down to
/// <c>max / divFactor / finalDivFactor</c> at step <c>total − 1</c>. Steps past the end keep the final rate.</summary>
/// <param name="Max">The peak learning rate.</param>
/// <param name="TotalSteps">Steps in the cycle (epochs × batches per epoch).</param>
/// <param name="PctStart">Fraction of the cycle spent increasing the rate.</param>
/// <param name="DivFactor">Initial rate = max / DivFactor.</param>
/// <param name="FinalDivFactor">Final rate = initial / FinalDivFactor.</param>
/// <remarks>Only the learning rate cycles: PyTorch's default <c>cycle_momentum=True</c> (momentum / β1 between 0.85
/// and 0.95) is not reproduced; compare with PyTorch using <c>cycle_momentum=False</c>.</remarks>
public sealed record OneCycleSchedule(float Max, long TotalSteps, double PctStart = 0.3, double DivFactor = 25, double FinalDivFactor = 1e4) : ILearningRateSchedule
{
    /// <summary>The rate at step 0.</summary>
    public double InitialRate => Max / DivFactor;
    /// <summary>The rate at the last step.</summary>
    public double FinalRate => InitialRate / FinalDivFactor;

    /// <inheritdoc/>
    public float LearningRate(long step)
    {
        if (TotalSteps <= 1) throw new InvalidOperationException($"OneCycleSchedule needs at least 2 steps, has {TotalSteps}.");
        if (!(PctStart > 0 && PctStart < 1)) throw new InvalidOperationException($"OneCycleSchedule: PctStart {PctStart} must lie in (0, 1).");
        // PyTorch: phase ends at float(pct_start * total_steps) - 1 and total_steps - 1; the last phase takes any later step.
        double warmEnd = PctStart * TotalSteps - 1, coolEnd = TotalSteps - 1;
        double s = Math.Clamp(step, 0, TotalSteps - 1);
        if (s <= warmEnd) return (float)CosineAnneal(InitialRate, Max, s / warmEnd);
        return (float)CosineAnneal(Max, FinalRate, (s - warmEnd) / (coolEnd - warmEnd));
    }

    private static double CosineAnneal(double start, double end, double pct) => end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1);

    /// <summary>Readable text for logs and <c>metrics.json</c>, e.g.
    /// <c>one-cycle: from 0.002 up to 0.05 over the first 30 % of 2,814 steps, then cosine down to 2E-07</c>.</summary>
    public override string ToString() => $"one-cycle: from {InitialRate:G4} up to {Max:G4} over the first {PctStart:P0} of {TotalSteps:N0} steps, then cosine down to {FinalRate:G4}";
}
