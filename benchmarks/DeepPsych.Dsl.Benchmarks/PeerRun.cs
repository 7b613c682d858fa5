using DeepPsych.Dsl.Benchmarks.Networks;
using DeepPsych.Dsl.Benchmarks.Ops;
using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;
using Examples.FashionMnist;
using static DeepPsych.Dsl.Benchmarks.PeerTiming;

namespace DeepPsych.Dsl.Benchmarks;

/// <summary>Our side of benchmarks/peer/compare.sh: the same workloads as the BenchmarkDotNet classes, timed as the PyTorch
/// peer script times them (<see cref="PeerTiming"/>), one line per workload; first the vector width taken and the
/// machine's FMA peak at that width, measured in the same run (the fastest of 9 calls: other
/// processes on the machine can only lower it).</summary>
/// <remarks>Workloads: <c>all</c>, <c>lenet</c>, <c>conv</c> (every shape of conv_shapes.tsv), or one shape's name.</remarks>
public static class PeerRun
{
    public static int Run(string[] args)
    {
        string only = args.Length > 0 ? args[0] : "all";
        Info("isa", $"{Simd.Describe()}, {WorkerPool.Shared.MaxParallelism} threads, .NET {Environment.Version}");
        Info("lenet5_train_flops", (3.0 * LeNet5.FlopsPerSample).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Report("fma_peak", Fastest(FmaPeak.Run, 9), FmaPeak.FlopsPerCall / 1e9, "GFLOP/s");
        if (only is "all" or "lenet")
        {
            var lenet = new LeNet5Workloads(64, 256);
            Report("lenet5_train_b64", Median(() => lenet.TrainStep(), 20, 15), 64, "images/s");
            Report("lenet5_infer_b1", Median(() => lenet.Infer(1), 200, 30), 1, "images/s");
            Report("lenet5_infer_b256", Median(() => lenet.Infer(256), 10, 15), 256, "images/s");
        }
        foreach (var shape in ConvShape.All)
        {
            if (!(only is "all" or "conv" || only == shape.Name)) continue;
            var conv = new Conv2DLayerWorkload(shape);
            Report($"{shape.Name}_fwd", Median(conv.Forward, 1, 5), conv.ForwardFlops / 1e9, "GFLOP/s");
            Report($"{shape.Name}_fwdbwd", Median(conv.ForwardBackward, 1, 5), 3 * conv.ForwardFlops / 1e9, "GFLOP/s");
        }
        return 0;
    }
}
