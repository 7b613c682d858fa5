using System.Globalization;
using System.Numerics;

namespace DeepPsych.Dsl.Generators.Shapes;

/// <summary>Sizes past int.MaxValue (DPD0042). Shapes, offsets and the emitted constants are ints, as the runtime's arrays
/// and spans are; so every count that can grow past one is first computed exactly (here) and reported instead of
/// wrapping: the input, each layer's output, a sliding window's extent and padded input, each parameter tensor and
/// the whole parameter block. Everything after these checks may multiply ints safely.</summary>
internal static class SizeLimits
{
    /// <summary>The exact element count of a shape (no wrap, however large).</summary>
    public static BigInteger Count(IEnumerable<int> shape) => shape.Aggregate(BigInteger.One, (n, d) => n * d);

    public static bool Fits(BigInteger count) => count <= int.MaxValue;

    /// <summary>The DPD0042 for <paramref name="what"/> of <paramref name="count"/> <paramref name="unit"/>: "C1: the
    /// output 8x50000x50000 is 20,000,000,000 elements, past int.MaxValue (2,147,483,647) …; <paramref name="fix"/>".</summary>
    public static DiagnosticInfo Report(LocationInfo? location, string owner, string what, BigInteger count, string unit, string fix)
        => DiagnosticInfo.Create(DiagnosticDescriptors.SizePastIntMaxValue, location, Arguments(owner, what, count, unit, fix));

    /// <summary>DPD0042 on a layer's attribute when <paramref name="count"/> does not fit; true when it fits.</summary>
    public static bool Check(ShapeContext c, string what, BigInteger count, string unit, string fix)
    {
        if (Fits(count)) return true;
        c.Report(DiagnosticDescriptors.SizePastIntMaxValue, Arguments(c.Name, what, count, unit, fix));
        return false;
    }

    private static object[] Arguments(string owner, string what, BigInteger count, string unit, string fix)
        => [owner, what, count.ToString("N0", CultureInfo.InvariantCulture) + " " + unit, int.MaxValue.ToString("N0", CultureInfo.InvariantCulture), fix];
}
