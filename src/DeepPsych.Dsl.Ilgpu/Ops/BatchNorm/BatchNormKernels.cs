using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>N × C × S of a per-channel normalisation (S = H·W; 1 for BatchNorm1D), passed as <see cref="SpecializedValue{T}"/>.</summary>
public readonly record struct NormShape(int N, int C, int S)
{
    /// <summary>N·C·S.</summary>
    public int Length => N * C * S;
}

/// <summary>
/// BatchNorm kernels mirroring <c>BatchNormOp</c> (same formulas; sums in double per channel), forward beside backward:
/// <list type="bullet">
/// <item>training: <see cref="Statistics"/> (one thread per channel: μ, biased σ², 1/√(σ² + ε), running-statistics update with
/// the unbiased variance), then <see cref="Normalize"/> (one thread per element);</item>
/// <item>eval: <see cref="Inference"/> (one thread per element, running statistics);</item>
/// <item>backward: <see cref="BackwardReduce"/> (one thread per channel: Σdy and Σdy·x̂, accumulated into dβ, dγ and kept in
/// a 2·C workspace), then <see cref="BackwardData"/> (one thread per element, dx +=).</item>
/// </list>
/// Absent γ/β (affine = false) and running statistics arrive as a 0 flag; the launchers then pass another valid view in
/// their place, which the kernels never read. No atomics: deterministic.
/// </summary>
public static class BatchNormKernels
{
    /// <summary>Per channel c: μ, σ² (biased), invStd; running r ← (1 − m)·r + m·batch value (variance unbiased) when <paramref name="track"/> ≠ 0.</summary>
    public static void Statistics(Index1D index, SpecializedValue<NormShape> shape, float epsilon, float momentum, int track,
        ArrayView<float> x, ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> saveMean, ArrayView<float> saveInvStd)
    {
        var s = shape.Value;
        int c = index;
        double m = (double)s.N * s.S, sum = 0;
        for (int n = 0; n < s.N; n++)
            for (int p = 0; p < s.S; p++) sum += x[(n * s.C + c) * s.S + p];
        float mean = (float)(sum / m);
        double sq = 0;
        for (int n = 0; n < s.N; n++)
            for (int p = 0; p < s.S; p++) { float d = x[(n * s.C + c) * s.S + p] - mean; sq += d * d; }
        double var = sq / m;
        saveMean[c] = mean;
        saveInvStd[c] = (float)(1.0 / XMath.Sqrt(var + epsilon));
        if (track != 0)
        {
            runningMean[c] = (float)((1.0 - momentum) * runningMean[c] + momentum * mean);
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

    /// <summary>Per channel: sums[c] = Σ dy, sums[C + c] = Σ dy·x̂; dβ += Σ dy and dγ += Σ dy·x̂ when <paramref name="paramGrads"/> ≠ 0.</summary>
    public static void BackwardReduce(Index1D index, SpecializedValue<NormShape> shape, int paramGrads,
        ArrayView<float> x, ArrayView<float> dy, ArrayView<float> saveMean, ArrayView<float> saveInvStd, ArrayView<float> sums, ArrayView<float> dgamma, ArrayView<float> dbeta)
    {
        var s = shape.Value;
        int c = index;
        float mean = saveMean[c];
        double sumDy = 0, sumDyXc = 0;
        for (int n = 0; n < s.N; n++)
            for (int p = 0; p < s.S; p++)
            {
                int i = (n * s.C + c) * s.S + p;
                sumDy += dy[i];
                sumDyXc += dy[i] * (x[i] - mean);
            }
        float sumDyXhat = (float)(sumDyXc * saveInvStd[c]);
        sums[c] = (float)sumDy;
        sums[s.C + c] = sumDyXhat;
        if (paramGrads != 0)
        {
            dbeta[c] += (float)sumDy;
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
        float m = (float)s.N * s.S, inv = saveInvStd[c];
        float k = (affine != 0 ? gamma[c] : 1f) * inv;
        float xhat = (x[i] - saveMean[c]) * inv;
        dx[i] += k * (dy[i] - sums[c] / m - xhat * sums[s.C + c] / m);
    }

    // ---- launchers (queue on the accelerator's default stream after checking every length on the host, as the CPU op does) ----

    /// <summary>Training forward: <see cref="Statistics"/> then <see cref="Normalize"/>. Empty γ/β = affine false; empty running views = not tracked.</summary>
    public static void ForwardTraining(Accelerator accelerator, NormShape shape, float epsilon, float momentum, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> runningMean, ArrayView<float> runningVar, ArrayView<float> y, ArrayView<float> saveMean, ArrayView<float> saveInvStd)
    {
        const string op = "BatchNormKernels.ForwardTraining";
        Check(op, shape, x, "x", y, "y", gamma, beta);
        if ((long)shape.N * shape.S < 2) throw new ArgumentException($"{op}: training needs more than one value per channel, got batch {shape.N} x spatial {shape.S}.");
        PerChannel(op, shape, saveMean, "saveMean"); PerChannel(op, shape, saveInvStd, "saveInvStd");
        if (runningMean.Length != 0 || runningVar.Length != 0) { PerChannel(op, shape, runningMean, "runningMean"); PerChannel(op, shape, runningVar, "runningVar"); }
        var sv = SpecializedValue.New(shape);
        bool track = runningMean.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, float, float, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Statistics))
            (shape.C, sv, epsilon, momentum, track ? 1 : 0, x, track ? runningMean : saveMean, track ? runningVar : saveInvStd, saveMean, saveInvStd);
        bool affine = gamma.Length > 0;
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

    /// <summary>Training backward, accumulating into dx, dγ, dβ. <paramref name="workspace"/>: 2·C floats. Empty dx skips it;
    /// empty dγ/dβ skip the parameter gradients.</summary>
    public static void BackwardTraining(Accelerator accelerator, NormShape shape, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> saveMean, ArrayView<float> saveInvStd,
        ArrayView<float> dy, ArrayView<float> dx, ArrayView<float> dgamma, ArrayView<float> dbeta, ArrayView<float> workspace)
    {
        const string op = "BatchNormKernels.BackwardTraining";
        Check(op, shape, x, "x", dy, "dy", gamma, gamma);
        if (dx.Length != 0) Shapes.Length(op, "dx", dx.Length, shape.Length, $"{shape.N}x{shape.C}x{shape.S}");
        PerChannel(op, shape, saveMean, "saveMean"); PerChannel(op, shape, saveInvStd, "saveInvStd");
        if (dgamma.Length != 0 || dbeta.Length != 0) { PerChannel(op, shape, dgamma, "dgamma"); PerChannel(op, shape, dbeta, "dbeta"); }
        Shapes.Length(op, "workspace", workspace.Length, 2L * shape.C, $"2x{shape.C}");
        var sv = SpecializedValue.New(shape);
        bool grads = dgamma.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardReduce))
            (shape.C, sv, grads ? 1 : 0, x, dy, saveMean, saveInvStd, workspace, grads ? dgamma : saveMean, grads ? dbeta : saveMean);
        if (dx.Length == 0) return;
        bool affine = gamma.Length > 0;
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<NormShape>, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BackwardData))
            (shape.Length, sv, affine ? 1 : 0, x, dy, affine ? gamma : saveMean, saveMean, saveInvStd, workspace, dx);
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
}
