using System.Diagnostics;
using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Distributed;
using DeepPsych.Dsl.Distributed.DataParallel;
using DeepPsych.Dsl.Distributed.Mpi;
using DeepPsych.Dsl.Ilgpu;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Spectre.Console;

namespace Examples.FashionMnist;

/// <summary>The main job: trains LeNet-5 (or, with --network resnet20, ResNet-20) on Fashion-MNIST and writes its report. Callable in-process (the tests run it).</summary>
/// <remarks>Order: every input is checked (flags, output folder, data, schedule, device) before the output folder is
/// created; the folder is then proven writable; training writes every file after every epoch (so a crash, divergence or
/// Ctrl+C keeps what was done); a failure before the first epoch leaves no folder behind.</remarks>
public static class TrainingJob
{
    public const int Ok = 0, DataMissing = 1, BadInput = 2, Diverged = 3, DeviceMissing = 4, OutputUnusable = 5, Interrupted = 130;

    /// <summary>Runs the job. <paramref name="console"/> gets the report (live progress only when it is interactive and
    /// --plain is not given); <paramref name="error"/> gets the reasons a run cannot start; cancelling
    /// <paramref name="cancellationToken"/> (Ctrl+C) stops between batches, saves and returns <see cref="Interrupted"/>.</summary>
    /// <param name="world">Under mpirun, the job's communicator: every rank trains its slice of each batch (see
    /// <see cref="DataParallelNetwork"/>) and only rank 0 reports and writes files. Null for one process.</param>
    public static int Run(string[] args, IAnsiConsole console, TextWriter error, CancellationToken cancellationToken = default, MpiCommunicator? world = null)
    {
        bool root = world is null || world.Rank == 0;   // the rank that reports and writes the run folder
        Options options;
        try { options = Options.Parse(args); }
        catch (ArgumentException e) { error.WriteLine(e.Message); return BadInput; }
        if (options.Help) { console.Profile.Out.Writer.WriteLine(Options.Usage); return Ok; }

        bool live = !options.Plain && console.Profile.Capabilities.Interactive;
        // Plain output goes straight to the writer: Spectre would hard-wrap it at its assumed 80 columns.
        void Say(string text) { if (live) console.WriteLine(text); else console.Profile.Out.Writer.WriteLine(text); }

        var choice = NetworkChoice.Find(options.Network);
        string outputPath = options.Output ?? Path.Combine("runs", $"{choice.Name}-{DateTime.Now:yyyyMMdd-HHmmss}");
        if (world is not null && Device.Parse(options.Backend).NeedsIlgpu)
        {
            error.WriteLine($"--backend {options.Backend} with mpirun: data-parallel runs train on the CPU path only (each rank uses its cores); drop --backend or run one process.");
            return BadInput;
        }
        if (root)   // only rank 0 writes the run folder
        {
            try { RunDirectory.Check(outputPath, options.Overwrite, "pass --overwrite"); }
            catch (RunDirectoryException e) { error.WriteLine(e.Message); return OutputUnusable; }
        }

        Dataset train, test;
        try { (train, test) = DeepPsych.Dsl.Data.FashionMnist.Load(options.Data); }
        catch (Exception e) when (e is DatasetNotFoundException or DataFormatException) { error.WriteLine(e.Message); return DataMissing; }
        var normalization = train.Normalization!.Value;
        if (options.Limit is int limit && limit < train.Count) train = train.Slice(0, limit);

        int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        long totalSteps = (long)stepsPerEpoch * options.Epochs;
        if (options.Schedule == "onecycle" && totalSteps < 2)
        {
            error.WriteLine($"--schedule onecycle needs at least 2 optimizer steps, but {Plural(options.Epochs, "epoch")} of {Plural(train.Count, "image")} " +
                $"at batch size {options.BatchSize:N0} make {Plural(totalSteps, "step")}. Train longer (--epochs), use a smaller --batch-size, or pass --schedule constant.");
            return BadInput;
        }

        var net = choice.Create();
        net.Threads = options.Threads;
        net.Seed = options.Seed;
        net.InitializeParameters(options.Seed);
        Optimizer optimizer = options.Optimizer switch
        {
            "sgd" => new Sgd(options.LearningRate, options.Momentum, options.WeightDecay),
            "nesterov" => new Sgd(options.LearningRate, options.Momentum, options.WeightDecay, nesterov: true),
            "adam" => new Adam(options.LearningRate, weightDecay: options.WeightDecay),
            _ => new AdamW(options.LearningRate, weightDecay: options.WeightDecay),
        };
        optimizer.DecayBiases = false;
        ILearningRateSchedule schedule = options.Schedule switch
        {
            "onecycle" => new OneCycleSchedule(options.LearningRate, totalSteps),
            "cosine" => new CosineSchedule(options.LearningRate, totalSteps),
            "step" => new StepSchedule(options.LearningRate, stepsPerEpoch, 0.1f),
            _ => new ConstantSchedule(options.LearningRate),
        };

        var backend = Device.Parse(options.Backend);
        IDeviceBackend? device = null;
        if (backend.NeedsIlgpu)
        {
            // The generated network's device path: the same layers on an ILGPU accelerator; parameters, gradients and
            // optimizer state stay on the device, per step only the batch goes up and the losses come down.
            IlgpuDevices.Register();
            try { device = DeviceBackends.Open(backend); }
            catch (DeviceNotAvailableException e) { error.WriteLine(e.Message); return DeviceMissing; }
        }

        RunDirectory? run = null;
        IAugmentation[] augmentations = options.Augment == "crop-flip" ? [new RandomCrop(Padding: 2), new HorizontalFlip()] : [];
        if (root)
        {
            try { run = RunDirectory.Prepare(outputPath, options.Overwrite, "pass --overwrite"); }
            catch (RunDirectoryException e) { error.WriteLine(e.Message); device?.Dispose(); return OutputUnusable; }
        }
        // Data parallel: every rank holds the same replica (rank 0's weights are broadcast) and takes 1/N of each batch.
        var replicas = world is null ? null : new DataParallelNetwork(net, world);
        INeuralNetwork trained = replicas ?? (INeuralNetwork)net;

        Say($"{choice.Title} on Fashion-MNIST: {train.Count:N0} training and {test.Count:N0} test images, normalised with the training set's {normalization}");
        foreach (var line in net.Summary().Split('\n')) Say(line.TrimEnd('\r'));
        Say($"optimizer: {optimizer}");
        Say($"schedule:  {schedule}");
        Say($"augment:   {(augmentations.Length == 0 ? "none" : string.Join(", ", augmentations.Select(a => a.ToString())))}");
        Say($"batch {options.BatchSize}, {Plural(options.Epochs, "epoch")}, seed {options.Seed}, {Plural(net.Threads, "thread")}, backend {options.Backend}");
        Say($"output:    {run?.Path}");
        if (world is not null)
            Say($"ranks:     {world.Size} ({world.Library.Flavour.Name}, data parallel: each rank takes 1/{world.Size} of every batch; weights checked identical after every epoch)");
        if (device is not null)
        {
            Say($"device:    {DescribeDevice(device)}");
            if (backend.Kind == DeviceKind.IlgpuCpu)
                Say("warning:   ilgpu-cpu is ILGPU's CPU accelerator, which simulates a GPU thread by thread to test kernels: " +
                    "it is hundreds of times slower than --backend cpu. Use it with --limit to check the device path, not to train; " +
                    "evaluation runs on the CPU path.");
            device.WarmUp();
            ((IDeviceTrainable)net).UseDevice(device);
        }

        var trainer = new Trainer(trained, optimizer, schedule, new TrainerOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed, Augmentations = augmentations });
        var curve = new BatchCurve();
        var report = run is null ? null : new RunReport(run, choice, net, optimizer, curve, normalization, options, args);
        if (replicas is not null) trainer.Callbacks.Add(new ReplicaCheck(replicas, Say));
        trainer.Callbacks.Add(curve);
        if (report is not null) trainer.Callbacks.Add(report);
        if (device is not null && backend.Kind == DeviceKind.IlgpuCpu) trainer.Callbacks.Add(new ValidateOnCpuPath((IDeviceTrainable)net, device));

        var clock = Stopwatch.StartNew();
        TrainingHistory history;
        try
        {
            if (live)
            {
                var layout = ProgressLayout.For(console.Profile.Width);
                history = console.Progress().AutoClear(false).Columns(layout.Columns()).Start(ctx =>
                {
                    var task = ctx.AddTask("starting", maxValue: totalSteps);
                    trainer.Callbacks.Add(new ProgressCallback(task, totalSteps, console, layout));
                    return trainer.Fit(train, test, cancellationToken: cancellationToken);
                });
            }
            else
            {
                trainer.Callbacks.Add(new PlainProgress(console.Profile.Out.Writer, totalSteps, every: Math.Max(1, stepsPerEpoch / 10)));
                history = trainer.Fit(train, test, cancellationToken: cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return Stopped(trainer.History, "interrupted (Ctrl+C)", Interrupted);
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine(e.Message);
            return Stopped(trainer.History, e.Message, Diverged);
        }
        finally
        {
            ((IDeviceTrainable)net).UseDevice(null);   // report on the CPU path
            device?.Dispose();
        }
        clock.Stop();

        Say("");
        Say($"{"epoch",5}  {"loss",8}  {"accuracy",8}  {"test loss",9}  {"test acc",8}  {"seconds",7}  {"images/s",8}");
        foreach (var m in history.Epochs)
            Say($"{m.Number,5}  {m.TrainLoss,8:F4}  {m.TrainAccuracy,8:P2}  {m.ValLoss,9:F4}  {m.ValAccuracy,8:P2}  {m.Seconds,7:F1}  {m.ImagesPerSecond,8:N0}");
        var evaluation = history.Epochs[^1].Validation ?? trainer.Evaluate(test);
        history.Test = evaluation;
        report?.Write(history, evaluation);
        Say($"Test accuracy after {Plural(history.Epochs.Count, "epoch")}: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4}); training took {clock.Elapsed.TotalSeconds:F1} s");
        if (report is not null) Say($"wrote {string.Join(", ", report.Files)} to {run!.Path}");
        return Ok;

        int Stopped(TrainingHistory? partial, string reason, int exitCode)
        {
            if (partial is null || partial.Epochs.Count == 0)
            {
                run?.RemoveIfUnused();
                Say($"Stopped before the first epoch ended ({reason}); nothing was written.");
                return exitCode;
            }
            partial.StopReason = reason;
            report?.WriteMetrics(partial);
            Say($"Stopped after {Plural(partial.Epochs.Count, "epoch")}: {reason}. The files of epoch {partial.Epochs.Count} are in {run?.Path}.");
            return exitCode;
        }
    }

    /// <summary>The line printed after each epoch.</summary>
    public static string EpochLine(EpochEndContext context) =>
        $"epoch {context.Metrics.Number}: test accuracy {context.Metrics.ValAccuracy:P2}, test loss {context.Metrics.ValLoss:F4}";

    /// <summary>"1 epoch", "3 epochs", "60,000 images".</summary>
    public static string Plural(long count, string noun) => $"{count.ToString("N0", CultureInfo.InvariantCulture)} {noun}{(count == 1 ? "" : "s")}";

    /// <summary>The device line: name, kind, memory (ILGPU's CPU accelerator reports long.MaxValue bytes: shown as unknown), warp.</summary>
    public static string DescribeDevice(IDeviceBackend device) => device is IlgpuBackend b
        ? $"{b.Device} — {b.Accelerator.Name} ({b.Accelerator.AcceleratorType}, {Memory(b.Accelerator.MemorySize)}, warp {b.Accelerator.WarpSize})"
        : device.Description;

    /// <summary>Device memory in MiB, or "memory unknown" when the device reports none or a placeholder (long.MaxValue).</summary>
    public static string Memory(long bytes) => bytes <= 0 || bytes == long.MaxValue ? "memory unknown" : $"{(bytes >> 20).ToString("N0", CultureInfo.InvariantCulture)} MiB";
}
