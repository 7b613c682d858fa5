namespace DeepPsych.Dsl.Tests.Reference;

/// <summary>Comparison of a fast float32 result against the double reference.</summary>
public static class Parity
{
    /// <summary>
    /// |fast − ref| ≤ Tolerance · max(1, |ref|). float32 carries 2⁻²⁴ ≈ 6e-8 relative round-off per operation; the fast ops
    /// sum at most ~600 products per output (K of the largest test conv), for a worst-case recursive-summation error of
    /// K·2⁻²⁴ ≈ 3.6e-5 relative to Σ|terms|, which for our O(1) random data is within a few times max(1, |y|).
    /// 1e-4 covers that; layout/indexing bugs produce O(1) errors.
    /// </summary>
    public const double Tolerance = 1e-4;

    public static void AssertClose(string what, ReadOnlySpan<float> fast, double[] reference, double tolerance = Tolerance)
    {
        Assert.True(fast.Length == reference.Length, $"{what}: length {fast.Length} vs reference {reference.Length}.");
        for (int i = 0; i < fast.Length; i++)
        {
            double err = Math.Abs(fast[i] - reference[i]), scale = Math.Max(1, Math.Abs(reference[i]));
            if (!(err <= tolerance * scale))
                Assert.Fail($"{what}[{i}]: fast {fast[i]:G9} vs reference {reference[i]:G9} (error {err:E2} > {tolerance:E0}·{scale:G3}).");
        }
    }
}
