namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Inverted dropout: y = x ⊙ mask with mask ∈ {0, 1/(1 − rate)}, so the expected activation is unchanged and inference
/// is the identity. The keep decision of element e is a pure function of (seed, step, e) — a SplitMix64 counter-based
/// hash — so the result does not depend on how a batch is split into shards: pass each shard's
/// <c>firstElement</c> = its offset in the whole batch.
/// </summary>
public static class DropoutOp
{
    /// <summary>
    /// mask[i] = u(seed, step, firstElement + i) ≥ rate ? 1/(1 − rate) : 0 with u uniform in [0, 1); y[i] = x[i]·mask[i].
    /// </summary>
    /// <param name="rate">Drop probability, 0 ≤ rate &lt; 1 (0 keeps everything).</param>
    /// <param name="seed">Run seed.</param>
    /// <param name="step">Training step (a new mask each step).</param>
    /// <param name="firstElement">Global index of x[0] within the whole batch tensor.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output (may be the same memory as x).</param>
    /// <param name="mask">The scaled keep mask (kept for backward).</param>
    /// <exception cref="ArgumentOutOfRangeException">rate outside [0, 1).</exception>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    public static void Forward(float rate, int seed, long step, long firstElement, ReadOnlySpan<float> x, Span<float> y, Span<float> mask)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "DropoutOp.Forward: rate must be in [0, 1).");
        if (x.Length != y.Length || x.Length != mask.Length)
            throw new ArgumentException($"DropoutOp.Forward: x has {x.Length}, y {y.Length} and mask {mask.Length} elements; they must match.");
        float scale = 1f / (1f - rate);
        // Keep iff the top 24 bits, as a fraction of 2^24, are ≥ rate.
        uint threshold = (uint)Math.Ceiling(rate * (double)(1 << 24));
        ulong stream = Mix(((ulong)(uint)seed << 32 | 0x5851F42Du) ^ Mix((ulong)step * 0xD1B54A32D192ED03UL));
        for (int i = 0; i < x.Length; i++)
        {
            uint u = (uint)(Mix(stream + (ulong)(firstElement + i) * 0x9E3779B97F4A7C15UL) >> 40);
            float m = u >= threshold ? scale : 0f;
            mask[i] = m;
            y[i] = x[i] * m;
        }
    }

    /// <summary>dx += dy ⊙ mask.</summary>
    /// <exception cref="ArgumentException">Spans of different lengths.</exception>
    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> mask, Span<float> dx)
    {
        if (dy.Length != mask.Length || dy.Length != dx.Length)
            throw new ArgumentException($"DropoutOp.Backward: dy has {dy.Length}, mask {mask.Length} and dx {dx.Length} elements; they must match.");
        for (int i = 0; i < dy.Length; i++) dx[i] += dy[i] * mask[i];
    }

    /// <summary>SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective avalanche mix of 64 bits.</summary>
    internal static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
