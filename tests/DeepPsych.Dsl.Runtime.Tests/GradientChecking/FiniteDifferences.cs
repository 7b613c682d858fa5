namespace DeepPsych.Dsl.Tests.GradientChecking;

/// <summary>
/// Central finite differences in double on the double reference forward, compared to a float32 analytic gradient.
/// The scalar checked is L = Σ r ⊙ y with a fixed random r, so every output element contributes with its own weight.
/// </summary>
public static class FiniteDifferences
{
    /// <summary>
    /// Step h. The reference forward is double (unit roundoff 1.1e-16), so the cancellation error ε·|L|/h ≈ 1e-12·|L| is
    /// negligible and the truncation error h²·|L'''|/6 ≈ 1.7e-9 for O(1) third derivatives (tanh, sigmoid, softplus).
    /// </summary>
    public const double Step = 1e-4;

    /// <summary>
    /// Step for piecewise-linear losses (activation None, ReLU, LeakyReLU, Step). There the central difference is exact
    /// unless some pre-activation lies within h·|∂z/∂p| of the kink at 0, where it is meaningless; with h = 1e-4 and
    /// ~10⁴ outputs such a crossing is likely (it happened), with h = 1e-7 it is ~1000x less likely. The price is
    /// cancellation: ε·|L|/h ≈ 1e-16·100/1e-7 = 1e-7, still 100x under the absolute floor below.
    /// </summary>
    public const double StepPiecewiseLinear = 1e-7;

    /// <summary>The step to use for a loss through activation <paramref name="act"/>.</summary>
    public static double StepFor(Act act) => act is Act.None or Act.ReLU or Act.LeakyReLU or Act.Step ? StepPiecewiseLinear : Step;

    /// <summary>
    /// Analytic (float32, fast op) vs numeric (double) gradients must agree to |a − n| ≤ RelativeTolerance · max(|a|, |n|, Floor).
    /// The finite difference itself is accurate to ~1e-8 (see <see cref="Step"/>), so the budget is float32 round-off of
    /// the analytic gradient: an element of dw or dx sums up to a few hundred products of O(1) terms, each sum with
    /// relative error ≲ n·2⁻²⁴ ≈ 2e-5 for n ≈ 300; 1e-3 leaves a 50x margin, yet any indexing or layout bug (which moves
    /// a gradient by O(1)) fails by orders of magnitude.
    /// </summary>
    public const double RelativeTolerance = 1e-3;

    /// <summary>
    /// Scale floor: gradients that cancel to near zero are compared absolutely at 1e-3 · 1e-2 = 1e-5, about the float32
    /// round-off of a sum of a few hundred O(1) terms.
    /// </summary>
    public const double Floor = 1e-2;

    /// <summary>∂L/∂p[i] ≈ (L(p + h eᵢ) − L(p − h eᵢ)) / 2h for each index in <paramref name="indices"/> (p restored afterwards).</summary>
    public static double[] Gradient(Func<double> loss, double[] p, IEnumerable<int> indices, double step = Step)
    {
        var g = new double[p.Length];
        foreach (int i in indices)
        {
            double keep = p[i];
            p[i] = keep + step; double up = loss();
            p[i] = keep - step; double down = loss();
            p[i] = keep;
            g[i] = (up - down) / (2 * step);
        }
        return g;
    }

    /// <summary>Σ r ⊙ y.</summary>
    public static double Dot(double[] r, double[] y)
    {
        double s = 0;
        for (int i = 0; i < r.Length; i++) s += r[i] * y[i];
        return s;
    }

    /// <summary>Up to <paramref name="count"/> distinct indices of [0, length), deterministic; all of them when length ≤ count.</summary>
    public static int[] Sample(int seed, int length, int count)
    {
        if (length <= count) return Enumerable.Range(0, length).ToArray();
        var all = Enumerable.Range(0, length).ToArray();
        new Random(seed).Shuffle(all);
        return all.Take(count).ToArray();
    }

    /// <summary>Asserts analytic ≈ numeric on <paramref name="indices"/> with the tolerance above, naming the first offender.</summary>
    public static void AssertClose(string what, ReadOnlySpan<float> analytic, double[] numeric, IEnumerable<int> indices)
    {
        foreach (int i in indices)
        {
            double a = analytic[i], n = numeric[i];
            double scale = Math.Max(Math.Max(Math.Abs(a), Math.Abs(n)), Floor);
            if (Math.Abs(a - n) > RelativeTolerance * scale)
                Assert.Fail($"{what}[{i}]: analytic {a:G9} vs finite difference {n:G9} (relative error {Math.Abs(a - n) / scale:E2} > {RelativeTolerance:E0}).");
        }
    }
}
