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
    /// <summary>The loss at the current values.</summary>
    double Loss();
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

    public static List<TensorGradientReport> Run(ICheckTarget target, GradientCheckOptions o)
    {
        var analytic = target.AnalyticGradients();
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

            reports.Add(new TensorGradientReport(target.TensorName(t), shape, n, gmax, coordinates, directions));
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

    private static CoordinateCheck CheckCoordinate(ICheckTarget target, int t, int i, float a, double gmax, double scale, IReadOnlyList<int> shape, GradientCheckOptions o)
    {
        float theta = target.Values(t)[i];
        double h = o.StepFactor * Math.Max(Math.Abs(theta), scale);
        double numeric = Central(target, t, i, theta, h);
        bool passed = Within(a, numeric, gmax, o);
        bool retried = false;
        if (!passed && o.RetryNonSmooth)
        {
            double smaller = Central(target, t, i, theta, h / 8);
            if (Math.Abs(a - smaller) < Math.Abs(a - numeric)) { numeric = smaller; h /= 8; retried = true; passed = Within(a, numeric, gmax, o); }
        }
        return new CoordinateCheck(i, Shapes.Unravel(i, shape), a, numeric, h, retried, passed, Allowed(a, numeric, gmax, o));
    }

    private static double Allowed(double a, double n, double gmax, GradientCheckOptions o)
        => o.RelativeTolerance * Math.Max(Math.Abs(a), Math.Abs(n)) + o.AbsoluteTolerance * gmax;

    private static bool Within(double a, double n, double gmax, GradientCheckOptions o)
        => !double.IsNaN(n) && !double.IsNaN(a) && Math.Abs(a - n) <= Allowed(a, n, gmax, o);

    /// <summary>(L(θ+h) − L(θ−h)) / (h₊ + h₋) with h₊, h₋ the steps float32 actually took.</summary>
    private static double Central(ICheckTarget target, int t, int i, float theta, double h)
    {
        float plus = (float)(theta + h), minus = (float)(theta - h);
        if (plus == theta) plus = MathF.BitIncrement(theta);
        if (minus == theta) minus = MathF.BitDecrement(theta);
        target.Values(t)[i] = plus;
        double lp = target.Loss();
        target.Values(t)[i] = minus;
        double lm = target.Loss();
        target.Values(t)[i] = theta;
        return (lp - lm) / ((double)plus - minus);
    }

    /// <summary>A random direction dᵢ = zᵢ·max(|θᵢ|, scale)/√n (zᵢ standard normal): every coordinate moves by about
    /// a single-coordinate step divided by √n, so no pre-activation moves further than in a coordinate check.</summary>
    private static DirectionCheck CheckDirection(ICheckTarget target, int t, int number, float[] g, double scale, GradientCheckOptions o, TestRandom rng)
    {
        var values = target.Values(t);
        int n = values.Length;
        var theta = values.ToArray();
        var d = new double[n];
        double rootN = Math.Sqrt(n);
        for (int i = 0; i < n; i++) d[i] = rng.Gaussian() * Math.Max(Math.Abs(theta[i]), scale) / rootN;

        var first = Directional(target, t, g, theta, d, o.StepFactor);
        var check = first;
        bool retried = false;
        if (!Passes(first, o) && o.RetryNonSmooth)
        {
            var second = Directional(target, t, g, theta, d, o.StepFactor / 8);
            if (Passes(second, o) || second.Rel < first.Rel) { check = second; retried = true; }
        }
        return new DirectionCheck(number, check.A, check.N, check.S, retried, Passes(check, o), o.RelativeTolerance);
    }

    private static bool Passes((double A, double N, double S, double Rel) c, GradientCheckOptions o) => !double.IsNaN(c.N) && c.Rel <= o.RelativeTolerance;

    /// <summary>Returns ∇L·Δ/2t, (L₊ − L₋)/2t, the typical size √Σ(gᵢΔᵢ)²/2t of the first, and the relative error,
    /// where Δ = θ₊ − θ₋ is the perturbation float32 actually applied.</summary>
    private static (double A, double N, double S, double Rel) Directional(ICheckTarget target, int t, float[] g, float[] theta, double[] d, double step)
    {
        int n = theta.Length;
        var plus = new float[n];
        var minus = new float[n];
        double a = 0, s = 0;
        for (int i = 0; i < n; i++)
        {
            plus[i] = (float)(theta[i] + step * d[i]);
            minus[i] = (float)(theta[i] - step * d[i]);
            double delta = (double)plus[i] - minus[i];
            a += g[i] * delta;
            s += g[i] * delta * (g[i] * delta);
        }
        plus.CopyTo(target.Values(t));
        double lp = target.Loss();
        minus.CopyTo(target.Values(t));
        double lm = target.Loss();
        theta.CopyTo(target.Values(t));
        double twoT = 2 * step;
        double A = a / twoT, N = (lp - lm) / twoT, S = Math.Sqrt(s) / twoT;
        double rel = Math.Abs(A - N) / Math.Max(Math.Max(Math.Abs(A), Math.Abs(N)), Math.Max(S, double.Epsilon));
        return (A, N, S, rel);
    }

    /// <summary>A stable per-tensor seed (string.GetHashCode is randomised per process).</summary>
    internal static int HashCode(int seed, string name)
    {
        uint h = 2166136261u ^ (uint)seed;
        foreach (char c in name) { h ^= c; h *= 16777619u; }
        return (int)h;
    }
}
