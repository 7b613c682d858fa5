using System.Diagnostics;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.FashionMnist;
using Spectre.Console;

Options options;
try { options = Options.Parse(args); }
catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return 2; }
if (options.Help) { Console.WriteLine(Options.Usage); return 0; }

string output = Path.GetFullPath(options.Output ?? Path.Combine("runs", $"lenet5-{DateTime.Now:yyyyMMdd-HHmmss}"));
if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any() && !options.Overwrite)
{
    Console.Error.WriteLine($"Output folder {output} is not empty; pass --overwrite to replace its files, or choose another --output.");
    return 2;
}
Directory.CreateDirectory(output);

Dataset train, test;
try
{
    (train, test) = FashionMnist.Load(options.Data);
}
catch (Exception e) when (e is DatasetNotFoundException or DataFormatException)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
if (options.Limit is int limit && limit < train.Count) train = train.Slice(0, limit);

var net = new LeNet5 { Threads = options.Threads, Seed = options.Seed };
net.InitializeParameters(options.Seed);

int stepsPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
long totalSteps = (long)stepsPerEpoch * options.Epochs;
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

AnsiConsole.MarkupLine($"[bold]LeNet-5 on Fashion-MNIST[/] — {train.Count:N0} training and {test.Count:N0} test images, normalised ({train.Normalization})");
AnsiConsole.WriteLine(net.Summary());
AnsiConsole.MarkupLine($"optimizer [green]{Markup.Escape(optimizer.ToString() ?? "")}[/], schedule [green]{Markup.Escape(schedule.ToString() ?? "")}[/], batch {options.BatchSize}, {options.Epochs} epochs, seed {options.Seed}, {net.Threads} threads, backend {options.Backend}");
AnsiConsole.MarkupLine($"output: [blue]{Markup.Escape(output)}[/]");

IDeviceBackend? device = null;
if (options.Backend != "cpu")
{
    // The generated network's device path: the same layers on an ILGPU accelerator, parameters uploaded per step,
    // loss and gradients brought back; the optimizer and the rest of the trainer are unchanged.
    IlgpuDevices.Register();
    try { device = DeviceBackends.Open(Device.Parse(options.Backend)); }
    catch (DeviceNotAvailableException e) { AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]"); return 4; }
    device.WarmUp();
    net.UseDevice(device);
    AnsiConsole.MarkupLine($"device: [green]{Markup.Escape(device.Description)}[/]");
}

var trainer = new Trainer(net, optimizer, schedule, new TrainerOptions { Epochs = options.Epochs, BatchSize = options.BatchSize, Seed = options.Seed });
var curve = new BatchCurve();
trainer.Callbacks.Add(curve);

TrainingHistory history;
var clock = Stopwatch.StartNew();
bool live = !options.Plain && AnsiConsole.Profile.Capabilities.Interactive;
try
{
    if (live)
    {
        history = AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("starting", maxValue: totalSteps);
                var progress = new ProgressCallback(task, totalSteps);
                trainer.Callbacks.Add(progress);
                return trainer.Fit(train, test);
            });
    }
    else
    {
        trainer.Callbacks.Add(new PlainProgress(Console.Out, totalSteps, every: Math.Max(1, stepsPerEpoch / 10)));
        history = trainer.Fit(train, test);
    }
}
catch (TrainingDivergedException e)
{
    AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
    return 3;
}
clock.Stop();
net.UseDevice(null);   // evaluate and report on the CPU path
device?.Dispose();

var table = new Table().AddColumns("epoch", "train loss", "train acc", "test loss", "test acc", "seconds", "images/s");
foreach (var m in history.Epochs)
    table.AddRow($"{m.Epoch + 1}", $"{m.TrainLoss:F4}", $"{m.TrainAccuracy:P2}", $"{m.TestLoss:F4}", $"{m.TestAccuracy:P2}", $"{m.Seconds:F1}", $"{m.ImagesPerSecond:N0}");
AnsiConsole.Write(table);

var last = history.Epochs[^1];
var evaluation = last.Test ?? trainer.Evaluate(test);
AnsiConsole.MarkupLine($"[bold]Test accuracy after {history.Epochs.Count} epochs: {evaluation.Accuracy:P2}[/] (loss {evaluation.Loss:F4}); training took {clock.Elapsed.TotalSeconds:F1} s");

history.Save(Path.Combine(output, "metrics.json"));
Checkpoint.Save(net, Path.Combine(output, "lenet5.safetensors"), optimizer, overwrite: options.Overwrite,
    metadata: new Dictionary<string, string> { ["epochs"] = history.Epochs.Count.ToString(), ["test_accuracy"] = evaluation.Accuracy.ToString("R") });
File.WriteAllText(Path.Combine(output, "confusion_matrix.txt"), evaluation.FormatConfusionMatrix());
Reports.LossCurve(curve, history, Path.Combine(output, "loss.png"));
Reports.AccuracyCurve(history, Path.Combine(output, "accuracy.png"));
Reports.ConfusionMatrix(evaluation, Path.Combine(output, "confusion_matrix.png"));
Reports.Filters(net.C1.Weights, Path.Combine(output, "filters_c1.png"));
AnsiConsole.MarkupLine($"wrote metrics.json, lenet5.safetensors, loss.png, accuracy.png, confusion_matrix.png/.txt, filters_c1.png to [blue]{Markup.Escape(output)}[/]");
return 0;
