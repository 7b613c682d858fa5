namespace DeepPsych.Dsl.Tests.Reference;

/// <summary>Deterministic random test data and float/double conversions.</summary>
public static class TestData
{
    public static float[] Uniform(int seed, int length, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = lo + (hi - lo) * (float)rng.NextDouble();
        return a;
    }

    /// <summary>Distinct values (a shuffled ramp plus small jitter), so max-pool windows never tie.</summary>
    public static float[] Distinct(int seed, int length)
    {
        var rng = new Random(seed);
        var a = new float[length];
        for (int i = 0; i < length; i++) a[i] = (i - length / 2) * 0.01f;
        rng.Shuffle(a);
        return a;
    }

    public static double[] ToDouble(float[] a) => Array.ConvertAll(a, v => (double)v);

    public static float[] ToFloat(double[] a) => Array.ConvertAll(a, v => (float)v);
}
