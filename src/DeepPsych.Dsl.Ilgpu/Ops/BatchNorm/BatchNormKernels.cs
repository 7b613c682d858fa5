using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>N × C × S of a per-channel normalisation (S = H·W; 1 for BatchNorm1D), passed as <see cref="SpecializedValue{T}"/>.</summary>
public readonly record struct NormShape(int N, int C, int S)
{
    /// <summary>N·C·S.</summary>
    public int Length => N * C * S;

    /// <summary>M = N·S: the values of one channel.</summary>
    public int PerChannel => N * S;

    /// <summary>Slices P each channel's reduction is split into (≈ 512 values per slice, at most 1024 slices), so that
    /// C·P threads share the work instead of C (ResNet's 64 channels would otherwise leave a GPU nearly idle).</summary>
    public int Slices
    {
        get
        {
            int p = (PerChannel + 511) / 512;   // written out (no Math.Clamp): the kernels evaluate it on the device
            return p < 1 ? 1 : p > 1024 ? 1024 : p;
        }
    }
}

/// <summary>
/// BatchNorm kernels mirroring <c>BatchNormOp</c> (same formulas), forward beside backward. Per-channel sums are two-level
/// reductions: C·P threads each sum a strided slice of one channel's M = N·S values (slice k takes m = k, k + P, …, so
/// neighbouring threads read neighbouring addresses) into a workspace, then one thread per channel adds its P partials,
/// in order — deterministic, no atomics. Sums run in double, as the CPU op's sums across planes do: a float running sum
/// of ~500 terms drifts by ~1e-5 of the total, visible in dγ = Σ dy·x̂, a large sum that cancels to O(1).
/// <list type="bullet">
/// <item>training: <see cref="SumPartials"/> → <see cref="Mean"/> → <see cref="SquarePartials"/> → <see cref="Statistics"/>
/// (biased σ², 1/√(σ² + ε), running statistics with the unbiased variance) → <see cref="Normalize"/> (per element);</item>
/// <item>eval: <see cref="Inference"/> (per element, running statistics);</item>
/// <item>backward: <see cref="BackwardPartials"/> → <see cref="BackwardReduce"/> (Σdy, Σdy·x̂; dβ, dγ +=) → <see cref="BackwardData"/> (dx +=).</item>
/// </list>
/// Absent γ/β (affine = false) and running statistics arrive as a 0 flag; the launchers then pass another valid view in
/// their place, which the kernels never read or write. The launchers need a workspace of <see cref="WorkspaceLength"/> floats.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>Floats of workspace the launchers need: 2·C·P partial sums and 2·C channel sums.</summary>
    public static int WorkspaceLength(NormShape shape) => 2 * shape.C * shape.Slices + 2 * shape.C;

    /// <summary>Thread t = c·P + k: partials[t] = Σ over slice k of channel c of x.</summary>
    public static void SumPartials(Index1D index, SpecializedValue<NormShape> shape, ArrayView<float> x, ArrayView<float> partials)
    {
        var s = shape.Value;
        int t = index, p = s.Slices, c = t / p;
        double sum = 0;
        for (int m = t - c * p; m < s.PerChannel; m += p) sum += x[ChannelElement(s, c, m)];
        partials[t] = (float)sum;
    }

    /// <summary>Per channel: μ = Σ partials / M (summed in double, in slice order).</summary>
    public static void Mean(Index1D index, SpecializedValue<NormShape> shape, ArrayView<float> partials, ArrayView<float> saveMean)
    {
        var s = shape.Value;
        int c = index;
        saveMean[c] = (float)(SumOf(partials, c * s.Slices, s.Slices) / s.PerChannel);
    }

    /// <summary>Thread t = c·P + k: partials[t] = Σ over slice k of channel c of (x − μ)².</summary>
    public static void SquarePartials(Index1D index, SpecializedValue<NormShape> shape, ArrayView<float> x, ArrayView<float> saveMean, ArrayView<float> partials)
    {
        var s = shape.Value;
        int t = index, p = s.Slices, c = t / p;
        float mean = saveMean[c];
        double sum = 0;
        for (int m = t - c * p; m < s.PerChannel; m += p) { float d = x[ChannelElement(s, c, m)] - mean; sum += d * d; }
        partials[t] = (float)sum;
    }

    /// <summary>Per channel: σ² = Σ partials / M (biased), invStd = 1/√(σ² + ε); running r ← (1 − m)·r + m·batch value
    /// (variance unbiased, ·M/(M − 1)) when <paramref name="track"/> ≠ 0.</summary>
    public static void Statistics(Index1D index, SpecializedValue<NormShape> shape, float epsilon, float momentum, int track,
        ArrayView<float> partials, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> runningMean, ArrayView<float> runningVar)
    {
        var s = shape.Value;
        int c = index;
        double m = s.PerChannel, var = SumOf(partials, c * s.Slices, s.Slices) / m;
        saveInvStd[c] = (float)(1.0 / XMath.Sqrt(var + epsilon));
        if (track != 0)
        {
            runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * saveMean[c]);
            runningVar[c] = (float)((1.0 - momentum) * runningVar[c] + momentum * var * m / (m - 1));
        }
    }

    /// <summary>y = γ·invStd·x + (β − μ·γ·invStd), per element.</summary>
    public static void Normalize(Index1D index, SpecializedValue<NormShape> shape, int affine,
        ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> y)
    {
        var s = shape.Value;
        int i = index;
        int c = i / s.S % s.C;
        float scale = (affine != 0 ? gamma[c] : 1f) * saveInvStd[c];
        float shift = (affine != 0 ? beta[c] : 0f) - saveMean[c] * scale;
        y[i] = x[i] * scale + shift;
    }

    /// <summary>Eval: y = γ (x − μᵣ)/√(σᵣ² + ε) + β, per element (scale and shift computed in double, as the CPU).</summary>
    public static void Inference(Index1D index, SpecializedValue<NormShape> shape, int affine, float epsilon,
        ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y)
    {
        var s = shape.Value;
        int i = index;
        int c = i / s.S % s.C;
        double sc = (affine != 0 ? gamma[c] : 1.0) / XMath.Sqrt((double)runningVar[c] + epsilon);
        float scale = (float)sc;
        float shift = (float)((affine != 0 ? beta[c] : 0.0) - runningMean[c] * sc);
        y[i] = x[i] * scale + shift;
    }

    /// <summary>Thread t = c·P + k: partials[t] = Σ dy and partials[C·P + t] = Σ dy·(x − μ) over slice k of channel c.</summary>
    public static void BackwardPartials(Index1D index, SpecializedValue<NormShape> shape, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> saveMean, ArrayView<float> partials)
    {
        var s = shape.Value;
        int t = index, p = s.Slices, c = t / p;
        float mean = saveMean[c];
        double sumDy = 0, sumDyXc = 0;
        for (int m = t - c * p; m < s.PerChannel; m += p)
        {
            int i = ChannelElement(s, c, m);
            sumDy += dy[i];
            sumDyXc += dy[i] * (x[i] - mean);
        }
        partials[t] = (float)sumDy;
        partials[s.C * p + t] = (float)sumDyXc;
    }

    /// <summary>Per channel: sums[c] = Σ dy, sums[C + c] = Σ dy·x̂ (from the partials); dβ += Σ dy and dγ += Σ dy·x̂ when
    /// <paramref name="paramGrads"/> ≠ 0.</summary>
    public static void BackwardReduce(Index1D index, SpecializedValue<NormShape> shape, int paramGrads,
        ArrayView<float> partials, ArrayView<float> saveInvStd, ArrayView<float> sums, ArrayView<float> dgamma, ArrayView<float> dbeta)
    {
        var s = shape.Value;
        int c = index, p = s.Slices;
        float sumDy = (float)SumOf(partials, c * p, p);
        float sumDyXhat = (float)(SumOf(partials, s.C * p + c * p, p) * saveInvStd[c]);
        sums[c] = sumDy;
        sums[s.C + c] = sumDyXhat;
        if (paramGrads != 0)
        {
            dbeta[c] += sumDy;
            dgamma[c] += sumDyXhat;
        }
    }

    /// <summary>dx += γ·invStd/M · (M·dy − Σdy − x̂·Σdy·x̂), per element.</summary>
    public static void BackwardData(Index1D index, SpecializedValue<NormShape> shape, int affine,
        ArrayView<float> x, ArrayView<float> dy, ArrayView<float> gamma, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> sums, ArrayView<float> dx)
    {
        var s = shape.Value;
        int i = index;
        int c = i / s.S % s.C;
        float m = s.PerChannel, inv = saveInvStd[c];
        float k = (affine != 0 ? gamma[c] : 1f) * inv;
        float xhat = (x[i] - saveMean[c]) * inv;
        dx[i] += k * (dy[i] - sums[c] / m - xhat * sums[s.C + c] / m);
    }

    /// <summary>Flat index of value m ∈ [0, N·S) of channel c: sample m / S, position m % S.</summary>
    private static int ChannelElement(NormShape s, int c, int m)
    {
        int n = m / s.S;
        return (n * s.C + c) * s.S + (m - n * s.S);
    }

    /// <summary>Σ v[start .. start + count) in double, in order.</summary>
    private static double SumOf(ArrayView<float> v, int start, int count)
    {
        double sum = 0;
        for (int k = 0; k < count; k++) sum += v[start + k];
        return sum;
    }

    // ---- launchers (queue on the accelerator's default stream after checking every length on the host, as the CPU op does) ----

    /// <summary>Training forward. Empty γ/β = affine false; empty running views = not tracked.
    /// <paramref name="workspace"/>: <see cref="WorkspaceLength"/> floats.</summary>
    public static void ForwardTraining(Accelerator accelerator, NormShape shape, float epsilon, float momentum, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> workspace)
    {
        const string op = "BatchNormKernels.ForwardTraining";
        Check(op, shape, x, "x", y, "y", gamma, beta);
        if ((long)shape.N * shape.S < 2) throw new ArgumentException($"{op}: training needs more than one value per channel, got batch {shape.N} x spatial {shape.S}.");
        PerChannel(op, shape, saveMean, "saveMean"); PerChannel(op, shape, saveInvStd, "saveInvStd");
        if (runningMean.Length != 0 || runningVar.Length != 0) { PerChannel(op, shape, runningMean, "runningMean"); PerChannel(op, shape, runningVar, "runningVar"); }
        Workspace(op, shape, workspace);
        var sv = SpecializedValue.New(shape);
        var partials = workspace.SubView(0, shape.C * shape.Slices);
        bool track = runningMean.Length > 0, affine = gamma.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, ArrayView<float>, ArrayView<float>>(SumPartials))
            (shape.C * shape.Slices, sv, x, partials);
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, ArrayView<float>, ArrayView<float>>(Mean))
            (shape.C, sv, partials, saveMean);
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SquarePartials))
            (shape.C * shape.Slices, sv, x, saveMean, partials);
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, float, float, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Statistics))
            (shape.C, sv, epsilon, momentum, track ? 1 : 0, partials, saveMean, saveInvStd, track ? runningMean : saveMean, track ? runningVar : saveInvStd);
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Normalize))
            (shape.Length, sv, affine ? 1 : 0, x, affine ? gamma : saveMean, affine ? beta : saveMean, saveMean, saveInvStd, y);
    }

    /// <summary>Eval forward with the running statistics.</summary>
    public static void ForwardInference(Accelerator accelerator, NormShape shape, float epsilon, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y)
    {
        const string op = "BatchNormKernels.ForwardInference";
        Check(op, shape, x, "x", y, "y", gamma, beta);
        PerChannel(op, shape, runningMean, "runningMean"); PerChannel(op, shape, runningVar, "runningVar");
        bool affine = gamma.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Inference))
            (shape.Length, SpecializedValue.New(shape), affine ? 1 : 0, epsilon, x, affine ? gamma : runningMean, affine ? beta : runningMean, runningMean, runningVar, y);
    }

    /// <summary>Training backward, accumulating into dx, dγ, dβ. <paramref name="workspace"/>: <see cref="WorkspaceLength"/> floats.
    /// Empty dx skips it; empty dγ/dβ skip the parameter gradients.</summary>
    public static void BackwardTraining(Accelerator accelerator, NormShape shape, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> saveMean, ArrayView<float> saveInvStd,
        ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dgamma, ArrayView<float> dbeta, ArrayView<float> workspace)
    {
        const string op = "BatchNormKernels.BackwardTraining";
        Check(op, shape, x, "x", dy, "dy", gamma, gamma);
        if (dx.Length != 0) Shapes.Length(op, "dx", dx.Length, shape.Length, $"{shape.N}x{shape.C}x{shape.S}");
        PerChannel(op, shape, saveMean, "saveMean"); PerChannel(op, shape, saveInvStd, "saveInvStd");
        if (dgamma.Length != 0 || dbeta.Length != 0) { PerChannel(op, shape, dgamma, "dgamma"); PerChannel(op, shape, dbeta, "dbeta"); }
        Workspace(op, shape, workspace);
        var sv = SpecializedValue.New(shape);
        int cp = shape.C * shape.Slices;
        var partials = workspace.SubView(0, 2 * cp);
        var sums = workspace.SubView(2 * cp, 2 * shape.C);
        bool grads = dgamma.Length > 0, affine = gamma.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardPartials))
            (cp, sv, x, dy, saveMean, partials);
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardReduce))
            (shape.C, sv, grads ? 1 : 0, partials, saveInvStd, sums, grads ? dgamma : saveMean, grads ? dbeta : saveMean);
        if (dx.Length == 0) return;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardData))
            (shape.Length, sv, affine ? 1 : 0, x, dy, affine ? gamma : saveMean, saveMean, saveInvStd, sums, dx);
    }

    private static void Check(string op, NormShape s, ArrayView<float> a, string aName, ArrayView<float> b, string bName, ArrayView<float> gamma, ArrayView<float> beta)
    {
        if (s.N < 0 || s.C <= 0 || s.S <= 0) throw new ArgumentException($"{op}: invalid shape {s}.");
        Shapes.Length(op, aName, a.Length, s.Length, $"{s.N}x{s.C}x{s.S}");
        Shapes.Length(op, bName, b.Length, s.Length, $"{s.N}x{s.C}x{s.S}");
        if (gamma.Length != 0) PerChannel(op, s, gamma, "gamma");
        if (beta.Length != 0) PerChannel(op, s, beta, "beta");
    }

    private static void PerChannel(string op, NormShape s, ArrayView<float> v, string name) => Shapes.Length(op, name, v.Length, s.C, $"{s.C} channels");

    private static void Workspace(string op, NormShape s, ArrayView<float> workspace)
    {
        if (workspace.Length < WorkspaceLength(s))
            throw new ArgumentException($"{op}: workspace has {workspace.Length} floats but {s} needs {WorkspaceLength(s)} (BatchNormKernels.WorkspaceLength: 2·C·slices + 2·C).");
    }
}
