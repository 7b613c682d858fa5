namespace Examples.PolynomialFit;

/// <summary>Polynomial features of x ∈ [0, 1] in the orthonormal Legendre basis: f_k(x) = √(2k+1)·P_k(2x − 1), k = 1..d.</summary>
/// <remarks>
/// They span exactly the polynomials of degree ≤ d (with the bias for the constant), so the least-squares fit — a
/// function of x — is the one scikit-learn's <c>PolynomialFeatures(d)</c> + <c>LinearRegression</c> finds with the
/// monomials x, x², …, x^d. What changes is the conditioning: on [0, 1] the monomials are nearly parallel (with the
/// constant, their Gram matrix is the Hilbert matrix, condition number 4.8·10⁵ for degree 4 and 2·10²² for degree 15),
/// so gradient descent on them crawls along the long axis of the loss valley for ever; these features are orthonormal
/// under the uniform distribution (E[f_j f_k] = δ_jk), which is the feature scaling gradient descent needs.
/// </remarks>
public static class LegendreFeatures
{
    /// <summary>The n × <paramref name="degree"/> feature matrix (row-major) of <paramref name="x"/>.</summary>
    public static float[] Of(ReadOnlySpan<double> x, int degree)
    {
        var features = new float[x.Length * degree];
        var row = new double[degree];
        for (int i = 0; i < x.Length; i++)
        {
            Row(x[i], row);
            for (int k = 0; k < degree; k++) features[i * degree + k] = (float)row[k];
        }
        return features;
    }

    /// <summary>Writes f_1(x) … f_d(x) into <paramref name="row"/> (d = its length), in double.</summary>
    public static void Row(double x, Span<double> row)
    {
        // Bonnet's recurrence: (k + 1) P_{k+1}(t) = (2k + 1) t P_k(t) − k P_{k−1}(t), P_0 = 1, P_1 = t.
        double t = 2 * x - 1, previous = 1, current = t;
        for (int k = 1; k <= row.Length; k++)
        {
            row[k - 1] = Math.Sqrt(2 * k + 1) * current;
            double next = ((2 * k + 1) * t * current - k * previous) / (k + 1);
            previous = current;
            current = next;
        }
    }
}
