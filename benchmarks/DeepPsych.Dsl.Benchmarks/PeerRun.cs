using System.Globalization;
using DeepPsych.Dsl.Benchmarks.Networks;
using DeepPsych.Dsl.Benchmarks.Ops;
using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;
using static DeepPsych.Dsl.Benchmarks.PeerTiming;

namespace DeepPsych.Dsl.Benchmarks;

/// <summary>Our side of benchmarks/peer/compare.sh: the same workloads as the BenchmarkDotNet classes, timed as the PyTorch
/// peer script times them (<see cref="PeerTiming"/>), one line per workload; first the vector width taken and the
/// machine's FMA peak at that width, measured in the same run (the fastest of 9 calls: other
/// processes on the machine can only lower it).</summary>
/// <remarks>Workloads: <c>all</c>; a group of networks.tsv (<c>lenet</c>, <c>classic</c>, <c>classic_more</c>) or <c>conv</c> (every shape of
/// conv_shapes.tsv); or one row's or shape's name. Each network row also prints its FLOPs per image
/// (<c>info flops:&lt;workload&gt;</c>: the generated summary's forward FLOPs, three times that for a training step) so the
/// table can give its rate as a share of the peak.</remarks>
public static class PeerRun
{
    public static int Run(string[] args)
    {
        string only = args.Length > 0 ? args[0] : "all";
        Info("isa", $"{Simd.Describe()}, {WorkerPool.Shared.MaxParallelism} threads, .NET {Environment.Version}");
        Report("fma_peak", Fastest(FmaPeak.Run, 9), FmaPeak.FlopsPerCall / 1e9, "GFLOP/s");
        // One instance per network serves its rows, in the file's order (LeNet-5 trains, then infers).
        foreach (var rows in PeerNetwork.All.Where(r => r.SelectedBy(only)).GroupBy(r => r.Ours))
        {
            var trainRows = rows.Where(r => r.Train).ToList();
            if (trainRows.Count > 1)
                throw new InvalidOperationException($"networks.tsv: {rows.Key} has {trainRows.Count} training rows; one network instance serves one training batch size.");
            var net = rows.First().Create();
            double forwardFlops = net.Layers.Sum(l => (double)l.FlopsPerSample);
            var work = new NetworkWorkloads(net, trainRows.Sum(r => r.Batch), rows.Where(r => !r.Train).Select(r => r.Batch).DefaultIfEmpty(0).Max(),
                trainRows.Select(r => r.Batches).DefaultIfEmpty(1).Single());
            foreach (var row in rows)
            {
                Info($"flops:{row.Workload}", ((row.Train ? 3 : 1) * forwardFlops).ToString(CultureInfo.InvariantCulture));
                Action call = row.Train ? () => work.TrainStep() : () => work.Infer(row.Batch);
                Report(row.Workload, Median(call, row.Inner, row.Reps, row.Warmup), row.Batch, "images/s");
            }
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
