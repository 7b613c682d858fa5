using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>What the engine checks: named float tensors, a loss of them computed as exactly as the subject allows
/// (accumulated in double), and the subject's analytic gradients.</summary>
internal interface ICheckTarget
{
    int TensorCount { get; }
    string TensorName(int t);
    IReadOnlyList<int> TensorShape(int t);
    /// <summary>The live values: the engine perturbs them in place and restores them.</summary>
    Span<float> Values(int t);
    /// <summary>The loss at the current values; afterwards <see cref="Gradient"/> holds the analytic gradient there.</summary>
    double Loss();
    /// <summary>Tensor <paramref name="t"/>'s analytic gradient at the point of the last <see cref="Loss"/>.</summary>
    ReadOnlySpan<float> Gradient(int t);
    /// <summary>The analytic gradient of each tensor at the current values.</summary>
    float[][] AnalyticGradients();
}

/// <summary>Central finite differences, per coordinate (small tensors fully, large ones sampled) and along random directions.</summary>
internal static class GradientCheckEngine
{
    public static double Relative(double a, double n)
    {
        double d = Math.Abs(a - n), m = Math.Max(Math.Abs(a), Math.Abs(n));
        return d == 0 ? 0 : d / m;
    }

    /// <summary>Measured float32 noise of the loss (rms), set by <see cref="Run"/>.</summary>
    [ThreadStatic] private static double t_noise;

    public static List<TensorGradientReport> Run(ICheckTarget target, GradientCheckOptions o, out double lossNoise)
    {
        var analytic = target.AnalyticGradients();
        t_noise = lossNoise = MeasureNoise(target, analytic, o);
        var reports = new List<TensorGradientReport>();
        for (int t = 0; t < target.TensorCount; t++)
        {
            var rng = new TestRandom(HashCode(o.Seed, target.TensorName(t)));
            float[] g = analytic[t];
            var values = target.Values(t);
            int n = values.Length;
            double gmax = 0, sumSq = 0;
            for (int i = 0; i < n; i++) { gmax = Math.Max(gmax, Math.Abs(g[i])); sumSq += (double)values[i] * values[i]; }
            double scale = Math.Max(n == 0 ? 0 : Math.Sqrt(sumSq / n), o.MinimumScale);
            var shape = target.TensorShape(t);

            var coordinates = new List<CoordinateCheck>();
            foreach (int i in Coordinates(g, n, o, rng))
                coordinates.Add(CheckCoordinate(target, t, i, g[i], gmax, scale, shape, o));

            var directions = new List<DirectionCheck>();
            if (n > o.FullCheckLimit)
                for (int k = 1; k <= o.Directions; k++)
                    directions.Add(CheckDirection(target, t, k, g, scale, o, rng));

            reports.Add(new TensorGradientReport(target.TensorName(t), shape, n, gmax, coordinates, directions, o.MaxSkippedFraction));
        }
        return reports;
    }

    /// <summary>Every coordinate of a small tensor; for a large one the 4 largest |g| and then seeded distinct random ones.</summary>
    private static IEnumerable<int> Coordinates(float[] g, int n, GradientCheckOptions o, TestRandom rng)
    {
        if (n <= o.FullCheckLimit) { for (int i = 0; i < n; i++) yield return i; yield break; }
        int wanted = Math.Min(o.SampledCoordinates, n);
        var chosen = new SortedSet<int>();
        foreach (int i in Enumerable.Range(0, n).OrderByDescending(i => Math.Abs(g[i])).ThenBy(i => i).Take(Math.Min(4, wanted))) chosen.Add(i);
        while (chosen.Count < wanted) chosen.Add(rng.NextInt(n));
        foreach (int i in chosen) yield return i;
    }

    /// <summary>The steps tried, largest first: the check moves on to the next one while [θ−h, θ+h] is not smooth.</summary>
    private static readonly double[] Shrink = [1, 1.0 / 4, 1.0 / 16];

    /// <summary>Compares gᵢ with the central difference. Smoothness is tested, not assumed: the analytic gradient is
    /// also read at both ends θ±h (the same evaluations give it). For a smooth loss the trapezoid ½(gᵢ(θ+h) + gᵢ(θ−h))
    /// equals gᵢ(θ) up to O(h²) whatever the curvature; when it does not (beyond the tolerance), a kink (ReLU, max-pool
    /// switch) lies inside the interval and the central difference would average two slopes. The step is then shrunk (h/4, h/16); a coordinate still not smooth at h/16 sits within ~1e-4·θ of a
    /// kink, has no derivative worth comparing, and is skipped (counted; too many skipped fails the tensor). A wrong
    /// backward formula is wrong on both sides alike, so it passes the smoothness test and fails the comparison.</summary>
    private static CoordinateCheck CheckCoordinate(ICheckTarget target, int t, int i, float a, double gmax, double scale, IReadOnlyList<int> shape, GradientCheckOptions o)
    {
        float theta = target.Values(t)[i];
        double h0 = o.StepFactor * Math.Max(Math.Abs(theta), scale);
        double numeric = double.NaN, h = h0;
        bool smooth = false;
        int attempt = 0;
        for (; attempt < Shrink.Length; attempt++)
        {
            h = h0 * Shrink[attempt];
            (numeric, double gPlus, double gMinus) = Central(target, t, i, theta, h);
            double trapezoid = 0.5 * (gPlus + gMinus);
            smooth = Math.Abs(trapezoid - a) <= Allowed(a, trapezoid, gmax, o);
            if (smooth || !o.SkipNonDifferentiable) break;
        }
        bool skipped = !smooth && o.SkipNonDifferentiable;
        bool passed = skipped || Within(a, numeric, gmax, 2 * h, o);
        return new CoordinateCheck(i, Shapes.Unravel(i, shape), a, numeric, h, smooth && attempt > 0, passed, Allowed(a, numeric, gmax, o) + NoiseAllowance(2 * h, o)) { Skipped = skipped };
    }

    private static double Allowed(double a, double n, double gmax, GradientCheckOptions o)
        => o.RelativeTolerance * Math.Max(Math.Abs(a), Math.Abs(n)) + o.AbsoluteTolerance * gmax;

    /// <summary>What the float32 rounding of the loss alone can do to a central difference over a total step of
    /// <paramref name="twoH"/>: (e₊ − e₋)/2h with e± independent of rms ε, so σ = √2·ε/2h; allowed: NoiseSigmas·σ.</summary>
    private static double NoiseAllowance(double twoH, GradientCheckOptions o) => o.NoiseSigmas * Math.Sqrt(2) * t_noise / twoH;

    private static bool Within(double a, double n, double gmax, double twoH, GradientCheckOptions o)
        => !double.IsNaN(n) && !double.IsNaN(a) && Math.Abs(a - n) <= Allowed(a, n, gmax, o) + NoiseAllowance(twoH, o);

    /// <summary>The float32 noise of the loss, measured without trusting the analytic gradient: at 16 seeded
    /// coordinates, the second difference r = L(θ+δ) + L(θ−δ) − 2L(θ) with δ = StepFactor/256 · max(|θ|, MinimumScale).
    /// Its linear term cancels and its curvature term L''δ² is below 1e-9 here, so r is rounding: three independent
    /// errors, std √6·ε. Returns ε = rms(r)/√6; 0 when the subject is exact.</summary>
    private static double MeasureNoise(ICheckTarget target, float[][] analytic, GradientCheckOptions o)
    {
        if (o.NoiseSigmas <= 0 || target.TensorCount == 0) return 0;
        var rng = new TestRandom(HashCode(o.Seed, "noise"));
        double l0 = target.Loss(), sum = 0;
        int samples = 0;
        for (int k = 0; k < 16; k++)
        {
            int t = rng.NextInt(target.TensorCount);
            var v = target.Values(t);
            if (v.Length == 0) continue;
            int i = rng.NextInt(v.Length);
            float theta = v[i];
            double delta = o.StepFactor / 256 * Math.Max(Math.Abs(theta), o.MinimumScale);
            v[i] = (float)(theta + delta);
            double lp = target.Loss();
            target.Values(t)[i] = (float)(theta - delta);
            double lm = target.Loss();
            target.Values(t)[i] = theta;
            double r = lp + lm - 2 * l0;
            sum += r * r;
            samples++;
        }
        return samples == 0 ? 0 : Math.Sqrt(sum / samples / 6);
    }

    /// <summary>(L(θ+h) − L(θ−h)) / (h₊ + h₋) with h₊, h₋ the steps float32 actually took, and gᵢ at both ends.</summary>
    private static (double Numeric, double GradientPlus, double GradientMinus) Central(ICheckTarget target, int t, int i, float theta, double h)
    {
        float plus = (float)(theta + h), minus = (float)(theta - h);
        if (plus == theta) plus = MathF.BitIncrement(theta);
        if (minus == theta) minus = MathF.BitDecrement(theta);
        target.Values(t)[i] = plus;
        double lp = target.Loss();
        double gp = target.Gradient(t)[i];
        target.Values(t)[i] = minus;
        double lm = target.Loss();
        double gm = target.Gradient(t)[i];
        target.Values(t)[i] = theta;
        return ((lp - lm) / ((double)plus - minus), gp, gm);
    }

    /// <summary>A random direction dᵢ = zᵢ·max(|θᵢ|, scale)/√n (zᵢ standard normal): every coordinate moves by about
    /// a single-coordinate step divided by √n, so no pre-activation moves further than in a coordinate check.
    /// Smoothness is tested as for a coordinate, with ∇L(θ±td)·d at both ends.</summary>
    private static DirectionCheck CheckDirection(ICheckTarget target, int t, int number, float[] g, double scale, GradientCheckOptions o, TestRandom rng)
    {
        var values = target.Values(t);
        int n = values.Length;
        var theta = values.ToArray();
        var d = new double[n];
        double rootN = Math.Sqrt(n);
        for (int i = 0; i < n; i++) d[i] = rng.Gaussian() * Math.Max(Math.Abs(theta[i]), scale) / rootN;

        (double A, double N, double S, double Rel, bool Smooth) c = default;
        int attempt = 0;
        double step = o.StepFactor;
        for (; attempt < Shrink.Length; attempt++)
        {
            step = o.StepFactor * Shrink[attempt];
            c = Directional(target, t, g, theta, d, step, o);
            if (c.Smooth || !o.SkipNonDifferentiable) break;
        }
        bool skipped = !c.Smooth && o.SkipNonDifferentiable;
        // The relative tolerance, widened by what loss noise can do to (L₊ − L₋)/2t, in units of the scale.
        double size = Math.Max(Math.Max(Math.Abs(c.A), Math.Abs(c.N)), Math.Max(c.S, double.Epsilon));
        double tolerance = o.RelativeTolerance + NoiseAllowance(2 * step, o) / size;
        return new DirectionCheck(number, c.A, c.N, c.S, c.Smooth && attempt > 0, skipped || (!double.IsNaN(c.N) && c.Rel <= tolerance), tolerance) { Skipped = skipped };
    }

    /// <summary>Returns ∇L·Δ/2t, (L₊ − L₋)/2t, the typical size √Σ(gᵢΔᵢ)²/2t of the first, the relative error, and
    /// whether ∇L(θ₊)·Δ and ∇L(θ₋)·Δ agree (no kink on the segment), where Δ = θ₊ − θ₋ is the perturbation float32 actually applied.</summary>
    private static (double A, double N, double S, double Rel, bool Smooth) Directional(ICheckTarget target, int t, float[] g, float[] theta, double[] d, double step, GradientCheckOptions o)
    {
        int n = theta.Length;
        var plus = new float[n];
        var minus = new float[n];
        var delta = new double[n];
        double a = 0, s = 0;
        for (int i = 0; i < n; i++)
        {
            plus[i] = (float)(theta[i] + step * d[i]);
            minus[i] = (float)(theta[i] - step * d[i]);
            delta[i] = (double)plus[i] - minus[i];
            a += g[i] * delta[i];
            s += g[i] * delta[i] * (g[i] * delta[i]);
        }
        plus.CopyTo(target.Values(t));
        double lp = target.Loss();
        double ap = Dot(target.Gradient(t), delta);   // ∇L(θ₊)·Δ
        minus.CopyTo(target.Values(t));
        double lm = target.Loss();
        double am = Dot(target.Gradient(t), delta);
        theta.CopyTo(target.Values(t));
        double twoT = 2 * step;
        double A = a / twoT, N = (lp - lm) / twoT, S = Math.Sqrt(s) / twoT;
        double scaleOf(double x, double y) => Math.Max(Math.Max(Math.Abs(x), Math.Abs(y)), Math.Max(S, double.Epsilon));
        double rel = Math.Abs(A - N) / scaleOf(A, N);
        double trapezoid = 0.5 * (ap + am) / twoT;   // ≈ A up to O(t²) on a smooth segment
        bool smooth = Math.Abs(trapezoid - A) <= o.RelativeTolerance * scaleOf(trapezoid, A);
        return (A, N, S, rel, smooth);
    }

    private static double Dot(ReadOnlySpan<float> g, double[] delta)
    {
        double sum = 0;
        for (int i = 0; i < delta.Length; i++) sum += g[i] * delta[i];
        return sum;
    }

    /// <summary>A stable per-tensor seed (string.GetHashCode is randomised per process).</summary>
    internal static int HashCode(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char c in name) { h ^= c; h *= 16777619u; }
        return (int)h;
    }
}
