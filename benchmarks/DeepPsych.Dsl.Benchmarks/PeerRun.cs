using System.Globalization;
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
/// <remarks>Workloads: <c>all</c>; a group of networks.tsv (<c>lenet</c>, <c>classic</c>, <c>classic_more</c>) or <c>conv</c> (every shape of
/// conv_shapes.tsv); or one row's or shape's name; or <c>batches</c> (LeNet-5 training and inference at batch 64 … 60,000). Each network row also prints its FLOPs per image
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
        if (only == "batches") Batches(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
        foreach (var shape in ConvShape.All)
        {
            if (!(only is "all" or "conv" || only == shape.Name)) continue;
            var conv = new Conv2DLayerWorkload(shape);
            Report($"{shape.Name}_fwd", Median(conv.Forward, 1, 5), conv.ForwardFlops / 1e9, "GFLOP/s");
            Report($"{shape.Name}_fwdbwd", Median(conv.ForwardBackward, 1, 5), 3 * conv.ForwardFlops / 1e9, "GFLOP/s");
        }
        return 0;
    }

    /// <summary>Throughput against batch size, up to the whole data set (issue 12: flat from batch 64 to 60,000): LeNet-5
    /// training steps and inference at batch 64, 256, 2,048 and 60,000, in <paramref name="rounds"/> interleaved rounds (each
    /// round times every batch once, about 8 Ki images each, so a load change on the shared machine hits all alike); prints
    /// each batch's median and its ratio to batch 256 within each round (median, min–max).</summary>
    private static void Batches(int rounds)
    {
        int[] batches = [64, 256, 2048, 60000];
        var work = batches.Select(b => new NetworkWorkloads(new LeNet5(), b, b)).ToArray();
        var train = new double[batches.Length, rounds];
        var infer = new double[batches.Length, rounds];
        for (int i = 0; i < batches.Length; i++) { work[i].TrainStep(); work[i].Infer(batches[i]); }   // warm-up: workspaces, JIT
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < batches.Length; i++)
            {
                int inner = Math.Max(1, 8192 / batches[i]);
                var w = work[i];
                train[i, r] = Seconds(() => w.TrainStep(), inner);
                infer[i, r] = Seconds(() => w.Infer(batches[i]), inner);
            }
        int at256 = Array.IndexOf(batches, 256);
        static double Seconds(Action work, int calls)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (int k = 0; k < calls; k++) work();
            return clock.Elapsed.TotalSeconds / calls;
        }
        foreach (var (name, t) in new[] { ("train", train), ("infer", infer) })
            for (int i = 0; i < batches.Length; i++)
            {
                var times = Enumerable.Range(0, rounds).Select(r => t[i, r]).Order().ToArray();
                var ratios = Enumerable.Range(0, rounds).Select(r => t[at256, r] / 256 / (t[i, r] / batches[i])).Order().ToArray();
                Report($"lenet5_{name}_b{batches[i]}", times[rounds / 2], batches[i], "images/s");
                Info($"lenet5_{name}_b{batches[i]}_vs_b256", string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{ratios[rounds / 2]:F3} (min {ratios[0]:F3}, max {ratios[^1]:F3}, {rounds} rounds)"));
            }
    }
}
