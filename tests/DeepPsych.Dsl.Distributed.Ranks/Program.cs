// One MPI rank of the distributed tests and benchmark. Modes:
//   train     --steps N --batch B --out DIR [--threads T] [--fail-rank R --fail-step S] [--overlap 0|1] [--bucket F]
//             trains LeNet-5 (seed 1) with SGD momentum on seeded synthetic global batches; every rank writes its
//             parameters to DIR/rank<r>.bin, rank 0 writes DIR/lenet5.safetensors; a failure aborts the whole job.
//   bench     --steps N --batch B [--warmup W] [--threads T] [--overlap 0|1] [--bucket F]
//             training images/s over N steps after W untimed ones (default 3,000), then each rank where its step time
//             went. A process bound to one core, as mpirun binds each rank, needs that long to reach its speed: bound with
//             taskset, batch 32 ran 40-43k images/s over 1,000-5,000 steps after 500 warm-up steps and 46-48k after
//             3,000, against 48-50k unbound after 500. The cause: a process that sees one processor waits ten times
//             longer before it promotes hot methods to optimised code (the runtime's TC_DelaySingleProcMultiplier, 10:
//             1 s instead of 100 ms after the last new method, restarted by each one); with
//             DOTNET_TC_DelaySingleProcMultiplier=1 the bound process ran 46.6-47.6k after 500 steps.
//   allreduce --floats N [--repeat K]                 seconds per all-reduce of N floats (rank 0 prints)
// Without mpirun it runs as one process (singleton mode), which is the tests' single-process reference.
using System.Diagnostics;
using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Distributed;
using DeepPsych.Dsl.Distributed.DataParallel;
using DeepPsych.Dsl.Optimizers;
using Examples.FashionMnist;

string mode = args.Length > 0 ? args[0] : "train";
int Arg(string name, int fallback) => Array.IndexOf(args, name) is int i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
string? Str(string name) => Array.IndexOf(args, name) is int i and >= 0 ? args[i + 1] : null;

var world = DistributedEnvironment.World;
int rank = world?.Rank ?? 0, size = world?.Size ?? 1;
// Which of the flavour's tuning defaults this run took (a variable the user set, e.g. with mpirun --mca, is kept).
string tuning = world is null ? "" : world.TuningApplied.Count == 0 ? "; MPI tuning defaults: none taken"
    : "; MPI tuning defaults: " + string.Join(", ", world.TuningApplied.Select(t => $"{t.Name}={t.Value}"));
try
{
    switch (mode)
    {
        case "train": Train(); break;
        case "bench": Bench(); break;
        case "allreduce": AllReduce(); break;
        default: throw new ArgumentException($"unknown mode '{mode}'");
    }
    return 0;
}
catch (Exception e) when (world is not null)
{
    world.Abort($"{e.GetType().Name}: {e.Message}");
    return 1;
}

(float[] Inputs, int[] Labels) GlobalBatch(int step, int batch)
{
    // Seeded by step only: every rank (and the single-process reference) sees the same global batch.
    var random = new Random(1000 + step);
    var x = new float[batch * 28 * 28];
    var y = new int[batch];
    for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
    for (int i = 0; i < batch; i++) y[i] = random.Next(10);
    return (x, y);
}

(LeNet5, INeuralNetwork) Create()
{
    var net = new LeNet5 { Threads = Arg("--threads", DistributedEnvironment.ThreadsPerRank), Seed = 1 };
    net.InitializeParameters(1);
    var wrapped = DataParallelNetwork.Wrap(net);
    if (wrapped is DataParallelNetwork dp)
    {
        dp.Overlap = Arg("--overlap", 1) != 0;
        dp.BucketSize = Arg("--bucket", dp.BucketSize);
    }
    return (net, wrapped);
}

void Train()
{
    int steps = Arg("--steps", 5), batch = Arg("--batch", 64), failRank = Arg("--fail-rank", -1), failStep = Arg("--fail-step", -1);
    string output = Str("--out") ?? throw new ArgumentException("train needs --out DIR");
    var (net, trained) = Create();
    var optimizer = new Sgd(0.05f, 0.9f);
    for (int step = 0; step < steps; step++)
    {
        if (rank == failRank && step == failStep) throw new InvalidOperationException($"injected failure at step {step}");
        var (x, y) = GlobalBatch(step, batch);
        trained.ZeroGradients();
        float loss = trained.ComputeGradients(x, y, batch);
        optimizer.Step(trained);
        if (rank == 0) Console.WriteLine($"step {step + 1}: loss {loss.ToString("R", CultureInfo.InvariantCulture)}");
    }
    ulong hash = trained is DataParallelNetwork dp ? dp.VerifyInSync() : DataParallelNetwork.ParameterHash(net.Parameters);
    Directory.CreateDirectory(output);
    File.WriteAllBytes(Path.Combine(output, $"rank{rank}.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(net.Parameters.AsSpan()).ToArray());
    if (rank == 0)
    {
        Checkpoint.Save(net, Path.Combine(output, "lenet5.safetensors"), overwrite: true);
        Console.WriteLine($"ranks {size}, parameter hash {hash:x16}");
        if (trained is DataParallelNetwork started)
            Console.WriteLine($"buckets started during backward: {started.BucketsStarted.During} of {started.BucketsStarted.All}");
    }
}

void Bench()
{
    int steps = Arg("--steps", 200), batch = Arg("--batch", 64), warmup = Arg("--warmup", 3000);
    var (net, trained) = Create();
    var optimizer = new Sgd(0.01f, 0.9f);
    var batches = Enumerable.Range(0, 16).Select(s => GlobalBatch(s, batch)).ToArray();
    void Run(int n)
    {
        for (int s = 0; s < n; s++)
        {
            var (x, y) = batches[s % batches.Length];
            trained.ZeroGradients();
            trained.ComputeGradients(x, y, batch);
            optimizer.Step(trained);
        }
    }
    Run(warmup);
    world?.Barrier();
    var dp = trained as DataParallelNetwork;
    double backwardBefore = dp?.BackwardSeconds ?? 0, reduceBefore = dp?.AllReduceSeconds ?? 0;
    var (duringBefore, allBefore) = dp?.BucketsStarted ?? (0, 0);
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    Run(steps);
    double local = clock.Elapsed.TotalSeconds;   // this rank's steps, before it waits for the other ranks to finish theirs
    // CPU time this process got (all its threads, MPI's polling included): against the wall time it shows how much of a
    // core the machine's other load left it.
    double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
    world?.Barrier();
    double seconds = clock.Elapsed.TotalSeconds;
    if (rank == 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench ranks {size} threads/rank {net.Threads} batch {batch}{(dp is null ? "" : $" overlap {(dp.Overlap ? "on" : "off")} bucket {dp.BucketSize}")}: {steps * batch / seconds:F0} images/s after {warmup} warm-up steps; rank 0 ran {cpu / steps * 1e6:F0} µs of CPU per {local / steps * 1e6:F0} µs step{tuning}"));
    if (dp is not null)
    {
        // Per step, on this rank: forward + backward (with the buckets started inside it), the wait after backward for
        // the gradient and loss all-reduce, and the rest (optimizer step, slicing, the step loop).
        double backward = (dp.BackwardSeconds - backwardBefore) / steps, reduce = (dp.AllReduceSeconds - reduceBefore) / steps;
        var (during, all) = dp.BucketsStarted;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"profile rank {rank}: step {local / steps * 1e6:F0} µs = forward+backward {backward * 1e6:F0} + all-reduce wait {reduce * 1e6:F0} + rest {(local / steps - backward - reduce) * 1e6:F0}; " +
            $"buckets started during backward {during - duringBefore} of {all - allBefore}; CPU {cpu / steps * 1e6:F0} µs per step"));
    }
}

void AllReduce()
{
    if (world is null) throw new InvalidOperationException("allreduce needs mpirun");
    int floats = Arg("--floats", 1 << 20), repeat = Arg("--repeat", 20);
    var data = new float[floats];
    world.AllReduceSum(data);
    world.Barrier();
    double t0 = world.WallTime();
    for (int i = 0; i < repeat; i++) world.AllReduceSum(data);
    double per = (world.WallTime() - t0) / repeat;
    if (rank == 0)
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allreduce {floats} floats ({floats * 4 / 1024.0:F0} KiB): {per * 1e6:F1} µs, {floats * 4 / per / 1e9:F2} GB/s{tuning}"));
}
