using System.Diagnostics;
using System.Globalization;
using DeepPsych.Dsl.Benchmarks.Networks;
using DeepPsych.Dsl.Benchmarks.Ops;

namespace DeepPsych.Dsl.Benchmarks;

/// <summary>Times the same workloads as the BenchmarkDotNet classes, as the PyTorch peer script does (warm-up, then the
/// median of several timed repetitions), and prints one line per workload: <c>name median_seconds unit_per_second</c>.
/// benchmarks/peer/compare.sh interleaves this with the PyTorch script and prints ratios.</summary>
public static class PeerRun
{
    public static int Run(string[] args)
    {
        string only = args.Length > 0 ? args[0] : "all";
        var lenet = new LeNet5Workloads(64, 256);
        if (only is "all" or "lenet")
        {
            Report("lenet5_train_b64", Median(() => lenet.TrainStep(), 20, 15), 64, "images/s");
            Report("lenet5_infer_b1", Median(() => lenet.Infer(1), 200, 30), 1, "images/s");
            Report("lenet5_infer_b256", Median(() => lenet.Infer(256), 10, 15), 256, "images/s");
        }
        if (only is "all" or "conv")
        {
            var conv = new Conv2DLayerWorkload();
            Report("conv64_fwd", Median(conv.Forward, 1, 5), conv.ForwardFlops / 1e9, "GFLOP/s");
            Report("conv64_fwdbwd", Median(conv.ForwardBackward, 1, 5), 3 * conv.ForwardFlops / 1e9, "GFLOP/s");
        }
        return 0;
    }

    /// <summary>Median seconds per call over <paramref name="reps"/> timed blocks of <paramref name="inner"/> calls, after warm-up.</summary>
    private static double Median(Action work, int inner, int reps)
    {
        for (int i = 0; i < Math.Max(3, inner); i++) work();
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

    private static void Report(string name, double seconds, double unitsPerCall, string unit)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} {seconds:G6} {unitsPerCall / seconds:F2} {unit}"));
}
