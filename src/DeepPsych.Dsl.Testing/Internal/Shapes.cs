using System.Globalization;

namespace DeepPsych.Dsl.Testing.Internal;

internal static class Shapes
{
    /// <summary>Row-major multi-index of flat index <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static int[] Unravel(int flat, IReadOnlyList<int> shape)
    {
        var index = new int[shape.Count];
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            int n = Math.Max(shape[d], 1);
            index[d] = flat % n;
            flat /= n;
        }
        return index;
    }

    public static string FormatIndex(int flat, IReadOnlyList<int> shape) => "[" + string.Join(",", Unravel(flat, shape)) + "]";
    public static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";
    public static string Compact(IReadOnlyList<int> shape) => string.Join("x", shape);

    /// <summary>Scientific notation with 4 significant digits, for report tables.</summary>
    public static string E(double v) => double.IsNaN(v) ? "NaN" : v.ToString("0.000e+00", CultureInfo.InvariantCulture);
    /// <summary>9 significant digits: round-trips a float, used in snapshot files.</summary>
    public static string F(double v) => double.IsNaN(v) ? "NaN" : double.IsInfinity(v) ? (v > 0 ? "Infinity" : "-Infinity")
        : v.ToString("0.00000000e+00", CultureInfo.InvariantCulture);
}
