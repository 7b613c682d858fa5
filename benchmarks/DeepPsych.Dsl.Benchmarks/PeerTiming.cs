using System.Diagnostics;
using System.Globalization;

namespace DeepPsych.Dsl.Benchmarks;

/// <summary>How every side of the peer comparison times a workload (the PyTorch script copies it: warm-up, then the
/// median of timed blocks) and the line it prints: <c>name median_seconds units_per_second unit</c>. Also linked into
/// the ONNX Runtime peer (benchmarks/peer/OnnxRuntimePeer), so both C# sides time alike.</summary>
public static class PeerTiming
{
    /// <summary>Median seconds per call over <paramref name="reps"/> timed blocks of <paramref name="inner"/> calls, after
    /// <paramref name="warmup"/> calls (default max(3, inner)).</summary>
    public static double Median(Action work, int inner, int reps, int? warmup = null)
    {
        for (int i = 0; i < (warmup ?? Math.Max(3, inner)); i++) work();
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < inner; i++) work();
            times[r] = clock.Elapsed.TotalSeconds / inner;
        }
        Array.Sort(times);
        return times[reps / 2];
    }

    /// <summary>Fastest seconds per call over <paramref name="reps"/> calls after one warm-up: for a peak, which noise only lowers.</summary>
    public static double Fastest(Action work, int reps)
    {
        work();
        double best = double.MaxValue;
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            work();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    public static void Report(string name, double seconds, double unitsPerCall, string unit)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {seconds:G6} {unitsPerCall / seconds:F2} {unit}"));

    /// <summary>A line the comparison script shows as it is (which ISA, which library) rather than as a timing.</summary>
    public static void Info(string key, string text) => Console.WriteLine($"info {key} {text}");
}
