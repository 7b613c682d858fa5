using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Batch normalisation over N × C × S (S = H·W for BatchNorm2D, S = 1 for BatchNorm1D on N × C), PyTorch semantics:
/// <list type="bullet">
/// <item>training: per channel c, over the M = N·S values, μ = mean, σ² = BIASED variance (÷ M), x̂ = (x − μ)/√(σ² + ε),
/// y = γ x̂ + β; the running statistics move with PyTorch's momentum meaning,
/// r ← (1 − momentum)·r + momentum·batch value, the running variance taking the UNBIASED batch variance (÷ (M − 1));</item>
/// <item>inference (eval): y = γ (x − running μ)/√(running σ² + ε) + β, an affine map per channel — which is why it folds
/// exactly into a preceding convolution or dense layer (<see cref="FoldIntoPrecedingLayer"/>).</item>
/// </list>
/// Forward (training) keeps μ and 1/√(σ² + ε) per channel for backward, which recomputes x̂ from x. Empty γ/β mean
/// <c>affine=False</c> (γ = 1, β = 0); empty running spans mean <c>track_running_stats=False</c>. The caller counts
/// <c>num_batches_tracked</c> (it only matters for momentum = None, cumulative averaging, which is not offered here).
/// </summary>
/// <remarks>
/// Training statistics need the whole batch, so, unlike the per-sample ops, this op cannot run on a batch shard: pass a
/// <see cref="WorkerPool"/> to split the CHANNELS across its threads instead (allocation-free after the first call per
/// thread). Sums run in float vector lanes per plane and in double across planes.
/// </remarks>
public static unsafe partial class BatchNormOp
{
    /// <summary>Below this many elements the op stays on the calling thread.</summary>
    private const long ParallelThreshold = 1 << 15;

    /// <summary>Training forward with batch statistics; updates the running statistics (when given).</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S (H·W; 1 for BatchNorm1D).</param>
    /// <param name="x">Input, N × C × S.</param>
    /// <param name="gamma">γ per channel, or empty (affine = false).</param>
    /// <param name="beta">β per channel, or empty (affine = false).</param>
    /// <param name="epsilon">ε (PyTorch default 1e-5).</param>
    /// <param name="momentum">Running-statistics momentum (PyTorch default 0.1).</param>
    /// <param name="runningMean">Running mean per channel (updated), or empty.</param>
    /// <param name="runningVar">Running variance per channel (updated), or empty.</param>
    /// <param name="y">Output, N × C × S (overwritten; may alias x).</param>
    /// <param name="saveMean">Batch mean per channel (overwritten; kept for backward).</param>
    /// <param name="saveInvStd">1/√(σ² + ε) per channel (overwritten; kept for backward).</param>
    /// <param name="pool">Threads to split the channels across, or null for the calling thread only.</param>
    /// <exception cref="ArgumentException">A span of the wrong length, or M = N·S = 1 (no variance; PyTorch refuses it too).</exception>
    public static void ForwardTraining(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        float epsilon, float momentum, Span<float> runningMean, Span<float> runningVar, Span<float> y, Span<float> saveMean, Span<float> saveInvStd, WorkerPool? pool = null)
    {
        const string op = "BatchNormOp.ForwardTraining";
        Check(op, batch, channels, spatial, x.Length, y.Length, "y", gamma.Length, beta.Length);
        if ((long)batch * spatial < 2)
            throw new ArgumentException($"{op}: training needs more than one value per channel to compute a variance, got batch {batch} x spatial {spatial} (as PyTorch: use eval mode or a larger batch).");
        PerChannel(op, "saveMean", saveMean.Length, channels); PerChannel(op, "saveInvStd", saveInvStd.Length, channels);
        if (!runningMean.IsEmpty || !runningVar.IsEmpty) { PerChannel(op, "runningMean", runningMean.Length, channels); PerChannel(op, "runningVar", runningVar.Length, channels); }
        fixed (float* px = x) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* prm = runningMean) fixed (float* prv = runningVar)
        fixed (float* py = y) fixed (float* pm = saveMean) fixed (float* ps = saveInvStd)
        {
            var a = new Args(batch, channels, spatial, epsilon, momentum, px, pg, pb, prm, prv, py, pm, ps, null, null, null, null);
            Run(pool, Mode.Train, a);
        }
    }

    /// <summary>Inference forward with the running statistics: y = γ (x − μᵣ)/√(σᵣ² + ε) + β (per sample, so it may run on a batch shard).</summary>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void ForwardInference(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon, Span<float> y)
    {
        const string op = "BatchNormOp.ForwardInference";
        Check(op, batch, channels, spatial, x.Length, y.Length, "y", gamma.Length, beta.Length);
        PerChannel(op, "runningMean", runningMean.Length, channels); PerChannel(op, "runningVar", runningVar.Length, channels);
        for (int c = 0; c < channels; c++)
        {
            InferenceAffine(gamma, beta, runningMean, runningVar, epsilon, c, out float scale, out float shift);
            ScaleShiftChannel(batch, channels, spatial, c, x, scale, shift, y);
        }
    }

    /// <summary>
    /// Training backward (batch statistics), accumulating: with x̂ = (x − μ)·invStd, dβ += Σ dy, dγ += Σ dy·x̂,
    /// dx += γ·invStd/M · (M·dy − Σ dy − x̂·Σ dy·x̂) — sums per channel over N·S.
    /// </summary>
    /// <param name="x">The forward input, N × C × S.</param>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S, values per channel and sample (H·W; 1 for BatchNorm1D).</param>
    /// <param name="gamma">γ, or empty (affine = false).</param>
    /// <param name="saveMean">What <see cref="ForwardTraining"/> saved.</param>
    /// <param name="saveInvStd">What <see cref="ForwardTraining"/> saved.</param>
    /// <param name="dy">Output gradient, N × C × S.</param>
    /// <param name="dx">Input gradient (accumulated), or empty to skip it.</param>
    /// <param name="dgamma">γ gradient (accumulated), or empty.</param>
    /// <param name="dbeta">β gradient (accumulated), or empty.</param>
    /// <param name="pool">Threads to split the channels across, or null.</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void BackwardTraining(int batch, int channels, int spatial, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd,
        ReadOnlySpan<float> dy, Span<float> dx, Span<float> dgamma, Span<float> dbeta, WorkerPool? pool = null)
    {
        const string op = "BatchNormOp.BackwardTraining";
        Check(op, batch, channels, spatial, x.Length, dy.Length, "dy", gamma.Length, gamma.Length);
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException($"{op}: dx has {dx.Length} elements but x has {x.Length}.");
        PerChannel(op, "saveMean", saveMean.Length, channels); PerChannel(op, "saveInvStd", saveInvStd.Length, channels);
        if (!dgamma.IsEmpty) PerChannel(op, "dgamma", dgamma.Length, channels);
        if (!dbeta.IsEmpty) PerChannel(op, "dbeta", dbeta.Length, channels);
        fixed (float* px = x) fixed (float* pg = gamma) fixed (float* pm = saveMean) fixed (float* ps = saveInvStd)
        fixed (float* pdy = dy) fixed (float* pdx = dx) fixed (float* pdg = dgamma) fixed (float* pdb = dbeta)
        {
            var a = new Args(batch, channels, spatial, 0f, 0f, px, pg, null, null, null, null, pm, ps, pdy, pdx, pdg, pdb);
            Run(pool, Mode.Backward, a);
        }
    }

    /// <summary>
    /// Folds an eval-mode BatchNorm into the layer before it — a convolution or a dense layer, both W·x + b with one weight
    /// row per output channel — exactly: per output channel o,
    /// s = γₒ/√(σᵣ² + ε), W'ₒ = Wₒ·s, b'ₒ = (bₒ − μᵣ)·s + βₒ — a pure function on weights.
    /// </summary>
    /// <param name="outChannels">Output channels of the convolution (features of the dense layer) = BatchNorm channels.</param>
    /// <param name="weightsPerOutput">Weights per output channel (Cin/groups · KH · KW; in-features for dense).</param>
    /// <param name="weights">The layer's weights, outChannels × weightsPerOutput.</param>
    /// <param name="bias">The layer's bias, or empty (no bias: b = 0).</param>
    /// <param name="gamma">γ, or empty (1).</param>
    /// <param name="beta">β, or empty (0).</param>
    /// <param name="runningMean">μᵣ.</param>
    /// <param name="runningVar">σᵣ².</param>
    /// <param name="epsilon">ε.</param>
    /// <param name="foldedWeights">W' (overwritten; may alias weights).</param>
    /// <param name="foldedBias">b' (overwritten; always present: the folded layer has a bias).</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void FoldIntoPrecedingLayer(int outChannels, int weightsPerOutput, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, float epsilon,
        Span<float> foldedWeights, Span<float> foldedBias)
    {
        const string op = "BatchNormOp.FoldIntoPrecedingLayer";
        if (outChannels <= 0 || weightsPerOutput <= 0) throw new ArgumentException($"{op}: invalid shape outChannels={outChannels} weightsPerOutput={weightsPerOutput}.");
        long wl = (long)outChannels * weightsPerOutput;
        if (weights.Length != wl || foldedWeights.Length != wl)
            throw new ArgumentException($"{op}: weights has {weights.Length} and foldedWeights {foldedWeights.Length} elements but {outChannels}x{weightsPerOutput} = {wl} are needed.");
        if (!bias.IsEmpty) PerChannel(op, "bias", bias.Length, outChannels);
        if (!gamma.IsEmpty) PerChannel(op, "gamma", gamma.Length, outChannels);
        if (!beta.IsEmpty) PerChannel(op, "beta", beta.Length, outChannels);
        PerChannel(op, "runningMean", runningMean.Length, outChannels); PerChannel(op, "runningVar", runningVar.Length, outChannels);
        PerChannel(op, "foldedBias", foldedBias.Length, outChannels);
        for (int o = 0; o < outChannels; o++)
        {
            double s = (gamma.IsEmpty ? 1.0 : gamma[o]) / Math.Sqrt((double)runningVar[o] + epsilon);
            foldedBias[o] = (float)(((bias.IsEmpty ? 0.0 : bias[o]) - runningMean[o]) * s + (beta.IsEmpty ? 0.0 : beta[o]));
            var w = weights.Slice(o * weightsPerOutput, weightsPerOutput);
            var fw = foldedWeights.Slice(o * weightsPerOutput, weightsPerOutput);
            for (int k = 0; k < weightsPerOutput; k++) fw[k] = (float)(w[k] * s);
        }
    }

    /// <summary>y = scale·x + shift over channel <paramref name="c"/> of every sample.</summary>
    private static void ScaleShiftChannel(int batch, int channels, int spatial, int c, ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        for (int n = 0; n < batch; n++)
        {
            int o = (n * channels + c) * spatial;
            ElementwiseOp.ScaleShift(x.Slice(o, spatial), scale, shift, y.Slice(o, spatial));
        }
    }

    /// <summary>Per-channel affine map of eval mode: scale = γ/√(σᵣ² + ε), shift = β − μᵣ·scale.</summary>
    private static void InferenceAffine(ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> var, float eps, int c, out float scale, out float shift)
    {
        double s = (gamma.IsEmpty ? 1.0 : gamma[c]) / Math.Sqrt((double)var[c] + eps);
        scale = (float)s;
        shift = (float)((beta.IsEmpty ? 0.0 : beta[c]) - mean[c] * s);
    }

    // ---- one channel of training forward / backward (the unit of parallel work) ----

    private static void TrainChannel(in Args a, int c)
    {
        int N = a.Batch, C = a.Channels, S = a.Spatial;
        double m = (double)N * S, sum = 0, sq = 0;
        for (int n = 0; n < N; n++) sum += ElementwiseOp.Sum(new ReadOnlySpan<float>(a.X + (nint)(n * C + c) * S, S));
        float mean = (float)(sum / m);
        for (int n = 0; n < N; n++) sq += ElementwiseOp.CenteredDot(new ReadOnlySpan<float>(a.X + (nint)(n * C + c) * S, S), mean, default, squared: true);
        double var = sq / m;   // biased: what the batch is normalised with
        float invStd = (float)(1.0 / Math.Sqrt(var + a.Epsilon));
        a.SaveMean[c] = mean;
        a.SaveInvStd[c] = invStd;
        if (a.RunningMean != null)
        {
            a.RunningMean[c] = (float)((1.0 - a.Momentum) * a.RunningMean[c] + a.Momentum * mean);
            a.RunningVar[c] = (float)((1.0 - a.Momentum) * a.RunningVar[c] + a.Momentum * var * m / (m - 1));   // unbiased
        }
        float scale = (a.Gamma == null ? 1f : a.Gamma[c]) * invStd;
        float shift = (a.Beta == null ? 0f : a.Beta[c]) - mean * scale;
        for (int n = 0; n < N; n++)
        {
            nint o = (nint)(n * C + c) * S;
            ElementwiseOp.ScaleShift(new ReadOnlySpan<float>(a.X + o, S), scale, shift, new Span<float>(a.Y + o, S));
        }
    }

    private static void BackwardChannel(in Args a, int c)
    {
        int N = a.Batch, C = a.Channels, S = a.Spatial;
        double m = (double)N * S, sumDy = 0, sumDyXc = 0;
        float mean = a.SaveMean[c], invStd = a.SaveInvStd[c];
        for (int n = 0; n < N; n++)
        {
            nint o = (nint)(n * C + c) * S;
            var dy = new ReadOnlySpan<float>(a.Dy + o, S);
            sumDy += ElementwiseOp.Sum(dy);
            sumDyXc += ElementwiseOp.CenteredDot(new ReadOnlySpan<float>(a.X + o, S), mean, dy, squared: false);   // Σ dy·(x − μ)
        }
        double sumDyXhat = sumDyXc * invStd;
        if (a.DBeta != null) a.DBeta[c] += (float)sumDy;
        if (a.DGamma != null) a.DGamma[c] += (float)sumDyXhat;
        if (a.Dx == null) return;
        // dx += k·dy + c1·x + c0 with k = γ·invStd, c1 = −k·invStd·Σdy·x̂/M, c0 = −k·Σdy/M − c1·μ.
        double k = (a.Gamma == null ? 1.0 : a.Gamma[c]) * invStd;
        double c1 = -k * invStd * sumDyXhat / m;
        double c0 = -k * sumDy / m - c1 * mean;
        for (int n = 0; n < N; n++)
        {
            nint o = (nint)(n * C + c) * S;
            ElementwiseOp.AccumulateAffine(new ReadOnlySpan<float>(a.Dy + o, S), (float)k, new ReadOnlySpan<float>(a.X + o, S), (float)c1, (float)c0, new Span<float>(a.Dx + o, S));
        }
    }

    // ---- channel-parallel driver (no allocation after the first call per calling thread) ----

    private enum Mode { Train, Backward }

    /// <summary>The call's shape, scalars and (pinned) pointers; null for an absent optional span.</summary>
    private readonly struct Args(int batch, int channels, int spatial, float epsilon, float momentum, float* x, float* gamma, float* beta, float* runningMean, float* runningVar, float* y, float* saveMean, float* saveInvStd, float* dy, float* dx, float* dGamma, float* dBeta)
    {
        public readonly int Batch = batch;
        public readonly int Channels = channels;
        public readonly int Spatial = spatial;
        public readonly float Epsilon = epsilon;
        public readonly float Momentum = momentum;
        public readonly float* X = x;
        public readonly float* Gamma = gamma;
        public readonly float* Beta = beta;
        public readonly float* RunningMean = runningMean;
        public readonly float* RunningVar = runningVar;
        public readonly float* Y = y;
        public readonly float* SaveMean = saveMean;
        public readonly float* SaveInvStd = saveInvStd;
        public readonly float* Dy = dy;
        public readonly float* Dx = dx;
        public readonly float* DGamma = dGamma;
        public readonly float* DBeta = dBeta;
    }

    private static void Run(WorkerPool? pool, Mode mode, in Args a)
    {
        // `fixed` on an empty span gives a null pointer: that is how the optional spans arrive as "absent" here.
        int parts = pool is null || (long)a.Batch * a.Channels * a.Spatial < ParallelThreshold ? 1 : Math.Min(pool.MaxParallelism, a.Channels);
        if (parts == 1)
        {
            for (int c = 0; c < a.Channels; c++) RunChannel(mode, a, c);
            return;
        }
        pool!.Run(parts, new Channels(mode, a));
    }

    private static void RunChannel(Mode mode, in Args a, int c)
    {
        if (mode == Mode.Train) TrainChannel(a, c); else BackwardChannel(a, c);
    }

    /// <summary>The channels split into near-equal runs, one per part.</summary>
    private readonly struct Channels(Mode mode, Args args) : IParts
    {
        public void Run(int part, int parts)
        {
            int start = Shards.Start(args.Channels, parts, part), end = start + Shards.Length(args.Channels, parts, part);
            for (int c = start; c < end; c++) RunChannel(mode, args, c);
        }
    }

    private static void PerChannel(string op, string name, int length, int channels)
    {
        if (length != channels) throw new ArgumentException($"{op}: {name} has {length} elements but there are {channels} channels (one value per channel).");
    }

    private static void PerChannel(string op, string name, int length, int expected, string perChannel)
    {
        if (length != expected) throw new ArgumentException($"{op}: {name} has {length} elements but {expected} are needed ({perChannel} per channel).");
    }

    private static void Check(string op, int batch, int channels, int spatial, int xLength, int otherLength, string otherName, int gammaLength, int betaLength)
    {
        if (batch < 0 || channels <= 0 || spatial <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} spatial={spatial}.");
        long need = (long)batch * channels * spatial;
        if (xLength != need) throw new ArgumentException($"{op}: x has {xLength} elements but {batch}x{channels}x{spatial} = {need} are needed.");
        if (otherLength != need) throw new ArgumentException($"{op}: {otherName} has {otherLength} elements but {batch}x{channels}x{spatial} = {need} are needed.");
        if (gammaLength != 0 && gammaLength != channels) throw new ArgumentException($"{op}: gamma has {gammaLength} elements but there are {channels} channels (or pass none for affine=false).");
        if (betaLength != 0 && betaLength != channels) throw new ArgumentException($"{op}: beta has {betaLength} elements but there are {channels} channels (or pass none for affine=false).");
    }
}
