namespace Examples.PolynomialFit;

/// <summary>The closed form the network is checked against: least squares (optionally ridge) in double precision by
/// Householder QR, the way <c>numpy.linalg.lstsq</c>/LinearRegression solve it, without forming AᵀA.</summary>
public static class LeastSquares
{
    /// <summary>The n × (d + 1) design matrix: a column of ones (the bias), then <see cref="LegendreFeatures"/>.</summary>
    public static double[,] Design(ReadOnlySpan<double> x, int degree)
    {
        var a = new double[x.Length, degree + 1];
        var row = new double[degree];
        for (int i = 0; i < x.Length; i++)
        {
            a[i, 0] = 1;
            LegendreFeatures.Row(x[i], row);
            for (int k = 0; k < degree; k++) a[i, k + 1] = row[k];
        }
        return a;
    }

    /// <summary>Minimises ‖A w − y‖² + <paramref name="ridge"/>·Σ_{k≥1} w_k² (the bias, column 0, is not penalised).
    /// Returns w = (bias, w_1, …, w_d).</summary>
    public static double[] Solve(double[,] a, ReadOnlySpan<double> y, double ridge = 0)
    {
        int n = a.GetLength(0), p = a.GetLength(1), extra = ridge > 0 ? p - 1 : 0, m = n + extra;
        if (m < p) throw new ArgumentException($"{n} samples cannot determine {p} coefficients without a ridge term.");
        // Ridge as ordinary least squares on [A; √ridge·I] and [y; 0]; y rides along as column p of r.
        var r = new double[m, p + 1];
        for (int i = 0; i < n; i++) { for (int j = 0; j < p; j++) r[i, j] = a[i, j]; r[i, p] = y[i]; }
        for (int k = 0; k < extra; k++) r[n + k, k + 1] = Math.Sqrt(ridge);

        var v = new double[m];
        for (int j = 0; j < p; j++)
        {
            // Householder reflection H = I − 2vvᵀ/(vᵀv) that zeroes r[j+1.., j], applied to columns j..p.
            double norm = 0;
            for (int i = j; i < m; i++) norm += r[i, j] * r[i, j];
            norm = Math.Sqrt(norm);
            if (norm == 0) throw new ArgumentException($"Column {j} of the design matrix is zero: the coefficients are not determined.");
            double alpha = r[j, j] > 0 ? -norm : norm, vv = 0;
            for (int i = j; i < m; i++) { v[i] = i == j ? r[j, j] - alpha : r[i, j]; vv += v[i] * v[i]; }
            for (int c = j; c <= p; c++)
            {
                double dot = 0;
                for (int i = j; i < m; i++) dot += v[i] * r[i, c];
                double f = 2 * dot / vv;
                for (int i = j; i < m; i++) r[i, c] -= f * v[i];
            }
        }
        var w = new double[p];
        for (int j = p - 1; j >= 0; j--)
        {
            double s = r[j, p];
            for (int c = j + 1; c < p; c++) s -= r[j, c] * w[c];
            w[j] = s / r[j, j];
        }
        return w;
    }

    /// <summary>ŷ(x) = w_0 + Σ w_k f_k(x) for coefficients from <see cref="Solve"/>.</summary>
    public static double Predict(ReadOnlySpan<double> w, double x)
    {
        Span<double> row = stackalloc double[w.Length - 1];
        LegendreFeatures.Row(x, row);
        double y = w[0];
        for (int k = 1; k < w.Length; k++) y += w[k] * row[k - 1];
        return y;
    }

    /// <summary>The largest eigenvalue of AᵀA (power iteration): the curvature that bounds a stable gradient step.</summary>
    public static double LargestEigenvalueOfGram(double[,] a)
    {
        int n = a.GetLength(0), p = a.GetLength(1);
        var v = Enumerable.Repeat(1 / Math.Sqrt(p), p).ToArray();
        var av = new double[n];
        double lambda = 0;
        for (int iteration = 0; iteration < 500; iteration++)
        {
            for (int i = 0; i < n; i++) { double s = 0; for (int j = 0; j < p; j++) s += a[i, j] * v[j]; av[i] = s; }
            var next = new double[p];
            for (int j = 0; j < p; j++) { double s = 0; for (int i = 0; i < n; i++) s += a[i, j] * av[i]; next[j] = s; }
            double norm = Math.Sqrt(next.Sum(e => e * e));
            if (norm == 0) return 0;
            for (int j = 0; j < p; j++) next[j] /= norm;
            bool settled = Math.Abs(norm - lambda) <= 1e-12 * norm;
            lambda = norm;
            v = next;
            if (settled) break;
        }
        return lambda;
    }
}
