namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// Named tolerances: |actual − expected| ≤ Absolute + Relative·|expected|, element-wise.
/// </summary>
/// <remarks>
/// The kernels sum the same products as the CPU ops in a different order (a direct loop vs. the CPU's blocked, vectorised
/// GEMM with FMA), and exp/log come from different libraries (ILGPU XMath / the device vs. .NET's Vector512.Exp). A float32
/// sum of K terms of size ≈ 1 reassociated differs by up to about K·2⁻²⁴ ≈ 6e-8·K in the worst case; the test shapes have
/// K ≤ 150 terms per output, giving ≈ 1e-5 absolute — hence <see cref="Ops"/>. Element-wise ops differ only in exp/log
/// (a few ulp: <see cref="Elementwise"/>). Exact ops (pool argmax, dropout masks, max values, copies) are compared exactly.
/// </remarks>
public readonly record struct Tolerance(double Absolute, double Relative)
{
    /// <summary>Reductions of up to ~150 products of values in [−1, 1].</summary>
    public static Tolerance Ops { get; } = new(2e-5, 1e-5);

    /// <summary>Element-wise maps (activations, optimizer updates, losses).</summary>
    public static Tolerance Elementwise { get; } = new(1e-6, 1e-5);

    /// <summary>A whole LeNet-5 step: the loss and every gradient go through ~8 layers of reassociated sums (K up to 400 for F5)
    /// forward and backward; relative error compounds to ≈ 1e-5 of the gradients' magnitude.</summary>
    public static Tolerance Network { get; } = new(1e-5, 1e-4);

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, Tolerance tol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}.");
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i], err = Math.Abs(a - e), limit = tol.Absolute + tol.Relative * Math.Abs(e);
            bool ok = err <= limit || (double.IsNaN(e) && double.IsNaN(a)) || (double.IsInfinity(e) && e == a);
            if (!ok) { bad++; if (first < 0) first = i; }
            if (!double.IsNaN(err) && err > worst) worst = err;
        }
        Assert.True(bad == 0,
            $"{what}: {bad} of {expected.Length} values outside |err| ≤ {tol.Absolute} + {tol.Relative}·|expected|; first at [{first}]: expected {(first >= 0 ? expected[first] : 0)}, got {(first >= 0 ? actual[first] : 0)}; worst |err| {worst:E2}.");
    }
}
