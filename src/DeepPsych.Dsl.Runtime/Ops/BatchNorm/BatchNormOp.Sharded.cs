namespace DeepPsych.Dsl.Ops;

public static partial class BatchNormOp
{
    // ---- the training step split for a batch sharded over threads (the generated CPU pass; ForwardTraining and
    // BackwardTraining instead take the whole batch and split its channels) ----
    // Forward: each shard PartialStatistics → the calling thread CombineStatistics per shard, then BatchStatistics →
    // each shard Normalize. Backward: each shard BackwardPartials → the calling thread AddPartials per shard, then
    // BackwardCoefficients (dγ, dβ once) → each shard BackwardData. Per-shard sums run in float vector lanes per plane
    // and in double across planes; shards combine in double with Chan's formula (no E[x²] − E[x]² cancellation).

    /// <summary>Per channel over this shard's N·S values: (count, mean, M2 = Σ (x − mean)²) in double, at
    /// <paramref name="partials"/>[3c], [3c + 1], [3c + 2].</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void PartialStatistics(int batch, int channels, int spatial, ReadOnlySpan<float> x, Span<double> partials)
    {
        const string op = "BatchNormOp.PartialStatistics";
        Check(op, batch, channels, spatial, x.Length, x.Length, "x", 0, 0);
        PerChannel(op, "partials", partials.Length, 3 * channels, "three values (count, mean, M2)");
        double count = (double)batch * spatial;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0, m2 = 0;
            for (int n = 0; n < batch; n++) sum += ElementwiseOp.Sum(x.Slice((n * channels + c) * spatial, spatial));
            double mean = count == 0 ? 0 : sum / count;
            float shift = (float)mean;
            for (int n = 0; n < batch; n++) m2 += ElementwiseOp.CenteredDot(x.Slice((n * channels + c) * spatial, spatial), shift, default, squared: true);
            double offset = mean - shift;   // Σ (x − shift)² = M2 + count·(mean − shift)²
            partials[3 * c] = count;
            partials[3 * c + 1] = mean;
            partials[3 * c + 2] = Math.Max(0, m2 - count * offset * offset);
        }
    }

    /// <summary>Merges one shard's <see cref="PartialStatistics"/> into <paramref name="total"/> (same layout; start it at
    /// zero): n = nₐ + n_b, δ = mean_b − meanₐ, mean = meanₐ + δ·n_b/n, M2 = M2ₐ + M2_b + δ²·nₐ·n_b/n (Chan et al.).</summary>
    /// <exception cref="ArgumentException">The spans differ in length or are not triples.</exception>
    public static void CombineStatistics(ReadOnlySpan<double> partials, Span<double> total)
    {
        if (partials.Length != total.Length || partials.Length % 3 != 0)
            throw new ArgumentException($"BatchNormOp.CombineStatistics: partials has {partials.Length} and total {total.Length} values; both need 3 per channel.");
        for (int i = 0; i < total.Length; i += 3)
        {
            double na = total[i], nb = partials[i], n = na + nb;
            if (nb == 0) continue;
            double delta = partials[i + 1] - total[i + 1];
            total[i] = n;
            total[i + 1] += delta * nb / n;
            total[i + 2] += partials[i + 2] + delta * delta * na * nb / n;
        }
    }

    /// <summary>From the whole batch's combined statistics: μ and 1/√(σ² + ε) per channel (σ² biased, ÷ M), and the running
    /// statistics moved as <see cref="ForwardTraining"/> moves them (variance unbiased, ÷ (M − 1)); empty running spans skip that.</summary>
    /// <exception cref="ArgumentException">A span of the wrong length, or M &lt; 2 values per channel (as PyTorch).</exception>
    public static void BatchStatistics(int channels, ReadOnlySpan<double> total, float epsilon, float momentum,
        Span<float> runningMean, Span<float> runningVar, Span<float> mean, Span<float> invStd)
    {
        const string op = "BatchNormOp.BatchStatistics";
        PerChannel(op, "total", total.Length, 3 * channels, "three values (count, mean, M2)");
        PerChannel(op, "mean", mean.Length, channels); PerChannel(op, "invStd", invStd.Length, channels);
        bool track = !runningMean.IsEmpty || !runningVar.IsEmpty;
        if (track) { PerChannel(op, "runningMean", runningMean.Length, channels); PerChannel(op, "runningVar", runningVar.Length, channels); }
        for (int c = 0; c < channels; c++)
        {
            double m = total[3 * c], mu = total[3 * c + 1], m2 = total[3 * c + 2];
            if (m < 2)
                throw new ArgumentException($"{op}: training needs more than one value per channel to compute a variance, got {m} for channel {c} (as PyTorch: use eval mode or a larger batch).");
            mean[c] = (float)mu;
            invStd[c] = (float)(1.0 / Math.Sqrt(m2 / m + epsilon));
            if (!track) continue;
            runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * mu);
            runningVar[c] = (float)((1.0 - momentum) * runningVar[c] + momentum * m2 / (m - 1));
        }
    }

    /// <summary>y = γ·(x − μ)·invStd + β for this shard, with the whole batch's μ and invStd (<see cref="BatchStatistics"/>).</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Normalize(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> y)
    {
        const string op = "BatchNormOp.Normalize";
        Check(op, batch, channels, spatial, x.Length, y.Length, "y", gamma.Length, beta.Length);
        PerChannel(op, "mean", mean.Length, channels); PerChannel(op, "invStd", invStd.Length, channels);
        for (int c = 0; c < channels; c++)
        {
            float scale = (gamma.IsEmpty ? 1f : gamma[c]) * invStd[c];
            ScaleShiftChannel(batch, channels, spatial, c, x, scale, (beta.IsEmpty ? 0f : beta[c]) - mean[c] * scale, y);
        }
    }

    /// <summary>Per channel over this shard: Σ dy at <paramref name="partials"/>[2c] and Σ dy·(x − μ) at [2c + 1], in double.</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void BackwardPartials(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> mean, ReadOnlySpan<float> dy, Span<double> partials)
    {
        const string op = "BatchNormOp.BackwardPartials";
        Check(op, batch, channels, spatial, x.Length, dy.Length, "dy", 0, 0);
        PerChannel(op, "mean", mean.Length, channels);
        PerChannel(op, "partials", partials.Length, 2 * channels, "two values (Σdy, Σdy·(x − μ))");
        for (int c = 0; c < channels; c++)
        {
            double sumDy = 0, sumDyXc = 0;
            for (int n = 0; n < batch; n++)
            {
                int o = (n * channels + c) * spatial;
                var d = dy.Slice(o, spatial);
                sumDy += ElementwiseOp.Sum(d);
                sumDyXc += ElementwiseOp.CenteredDot(x.Slice(o, spatial), mean[c], d, squared: false);
            }
            partials[2 * c] = sumDy;
            partials[2 * c + 1] = sumDyXc;
        }
    }

    /// <summary>total += partials (one shard's <see cref="BackwardPartials"/>; start total at zero).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void AddPartials(ReadOnlySpan<double> partials, Span<double> total)
    {
        if (partials.Length != total.Length) throw new ArgumentException($"BatchNormOp.AddPartials: partials has {partials.Length} values, total {total.Length}.");
        for (int i = 0; i < total.Length; i++) total[i] += partials[i];
    }

    /// <summary>From the whole batch's Σdy and Σdy·(x − μ) over <paramref name="count"/> = M values per channel: dβ += Σ dy,
    /// dγ += Σ dy·x̂ (empty spans skip them), and the coefficients of dx += k·dy + c1·x + c0 at
    /// <paramref name="coefficients"/>[3c], [3c + 1], [3c + 2] (as <see cref="BackwardTraining"/>).</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void BackwardCoefficients(int channels, double count, ReadOnlySpan<double> total, ReadOnlySpan<float> gamma, ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd,
        Span<float> dgamma, Span<float> dbeta, Span<float> coefficients)
    {
        const string op = "BatchNormOp.BackwardCoefficients";
        PerChannel(op, "total", total.Length, 2 * channels, "two values (Σdy, Σdy·(x − μ))");
        PerChannel(op, "mean", mean.Length, channels); PerChannel(op, "invStd", invStd.Length, channels);
        if (!gamma.IsEmpty) PerChannel(op, "gamma", gamma.Length, channels);
        if (!dgamma.IsEmpty) PerChannel(op, "dgamma", dgamma.Length, channels);
        if (!dbeta.IsEmpty) PerChannel(op, "dbeta", dbeta.Length, channels);
        PerChannel(op, "coefficients", coefficients.Length, 3 * channels, "three values (k, c1, c0)");
        for (int c = 0; c < channels; c++)
        {
            double inv = invStd[c], sumDy = total[2 * c], sumDyXhat = total[2 * c + 1] * inv;
            if (!dbeta.IsEmpty) dbeta[c] += (float)sumDy;
            if (!dgamma.IsEmpty) dgamma[c] += (float)sumDyXhat;
            double k = (gamma.IsEmpty ? 1.0 : gamma[c]) * inv;
            double c1 = -k * inv * sumDyXhat / count;
            coefficients[3 * c] = (float)k;
            coefficients[3 * c + 1] = (float)c1;
            coefficients[3 * c + 2] = (float)(-k * sumDy / count - c1 * mean[c]);
        }
    }

    /// <summary>dx += k·dy + c1·x + c0 per channel for this shard (<see cref="BackwardCoefficients"/>).</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void BackwardData(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> coefficients, Span<float> dx)
    {
        const string op = "BatchNormOp.BackwardData";
        Check(op, batch, channels, spatial, x.Length, dy.Length, "dy", 0, 0);
        if (dx.Length != x.Length) throw new ArgumentException($"{op}: dx has {dx.Length} elements but x has {x.Length}.");
        PerChannel(op, "coefficients", coefficients.Length, 3 * channels, "three values (k, c1, c0)");
        for (int c = 0; c < channels; c++)
            for (int n = 0; n < batch; n++)
            {
                int o = (n * channels + c) * spatial;
                ElementwiseOp.AccumulateAffine(dy.Slice(o, spatial), coefficients[3 * c], x.Slice(o, spatial), coefficients[3 * c + 1], coefficients[3 * c + 2], dx.Slice(o, spatial));
            }
    }
}
