using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Training;
using Examples.ClassicNetworks;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Examples.Tests;

/// <summary>The main job, run in-process on tiny data: each test is a row of issue #14's table.</summary>
[Collection(nameof(JobFixture))]
public sealed class TrainingJobTests(JobFixture job)
{
    private string Output(string name) => Path.Combine(job.Scratch, name);

    [Fact]
    public void A_read_only_output_folder_is_refused_before_training_and_nothing_is_left()
    {
        // An existing folder that cannot be written (as an existing read-only output folder) …
        var (code, output, error) = job.Run(["--output", "/proc/sys", "--overwrite", "--epochs", "1"]);
        Assert.Equal(TrainingJob.OutputUnusable, code);
        Assert.Contains("'/proc/sys' cannot be written", error);
        Assert.DoesNotContain("epoch 1", output); // refused before training
        // … and a new folder on a read-only file system.
        (code, _, error) = job.Run(["--output", "/proc/deeppsych-results", "--epochs", "1"]);
        Assert.Equal(TrainingJob.OutputUnusable, code);
        Assert.Contains("cannot be written", error);
        Assert.False(Directory.Exists("/proc/deeppsych-results"));
    }

    [Fact]
    public void An_output_folder_under_a_file_is_refused_with_a_clear_message()
    {
        string file = Output("a-file");
        File.WriteAllText(file, "");
        var (code, _, error) = job.Run(["--output", Path.Combine(file, "run"), "--epochs", "1"]);
        Assert.Equal(TrainingJob.OutputUnusable, code);
        Assert.Contains("cannot be written", error);
        Assert.Contains("Choose a writable folder", error);
    }

    [Theory]
    [InlineData("--batch-size", "100000")]
    [InlineData("--limit", "10")]
    public void A_one_step_one_cycle_run_is_refused_with_the_fix_and_creates_nothing(string flag, string value)
    {
        string output = Output($"one-step{flag}");
        var (code, _, error) = job.Run([flag, value, "--epochs", "1", "--output", output]);
        Assert.Equal(TrainingJob.BadInput, code);
        Assert.Contains("--schedule onecycle needs at least 2 optimizer steps", error);
        Assert.Contains("1 epoch of", error);
        Assert.Contains("make 1 step.", error);
        Assert.Contains("--schedule constant", error);
        Assert.False(Directory.Exists(output));
        // The schedules that cope with one step run.
        (code, _, _) = job.Run([flag, value, "--epochs", "1", "--schedule", "constant", "--output", output]);
        Assert.Equal(TrainingJob.Ok, code);
    }

    [Fact]
    public void Failed_runs_leave_no_folder_behind()
    {
        string missingData = Output("missing-data");
        var error = new StringWriter();
        var console = Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings { Out = new Spectre.Console.AnsiConsoleOutput(new StringWriter()) });
        int code = TrainingJob.Run(["--data", Output("no-such-data"), "--output", missingData], console, error);
        Assert.Equal(TrainingJob.DataMissing, code);
        Assert.False(Directory.Exists(missingData));

        // Diverges in the first step: nothing to keep, so the folder it created is removed again.
        string diverged = Output("diverged");
        var (divergedCode, output, divergedError) = job.Run(["--lr", "1e30", "--schedule", "constant", "--epochs", "1", "--output", diverged]);
        Assert.Equal(TrainingJob.Diverged, divergedCode);
        Assert.Contains("diverged", divergedError);
        Assert.Contains("nothing was written", output);
        Assert.False(Directory.Exists(diverged));
    }

    /// <summary>Cancels (as Ctrl+C does) as soon as the line of the given epoch's end is written.</summary>
    private sealed class CancelAfterEpoch(string marker, CancellationTokenSource cancel) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            if (value is not null && value.StartsWith(marker, StringComparison.Ordinal)) cancel.Cancel();
        }
    }

    [Fact]
    public void Ctrl_c_after_an_epoch_keeps_that_epochs_files_and_exits_cleanly()
    {
        string output = Output("interrupted");
        using var cancel = new CancellationTokenSource();
        var writer = new CancelAfterEpoch("epoch 1:", cancel);
        var (code, text, _) = job.Run(["--epochs", "3", "--batch-size", "32", "--output", output], writer, cancel.Token);
        Assert.Equal(TrainingJob.Interrupted, code);
        Assert.Contains("Stopped after 1 epoch: interrupted (Ctrl+C)", text);
        foreach (var file in RunReport.FilesFor("lenet5", new LeNet5())) Assert.True(File.Exists(Path.Combine(output, file)), $"{file} was not written after epoch 1");
        var history = TrainingHistory.Load(Path.Combine(output, "metrics.json"));
        Assert.Single(history.Epochs);
        Assert.Equal(3, history.PlannedEpochs);
        Assert.Contains("interrupted", history.StopReason);
    }

    [Fact]
    public void Metrics_json_is_self_contained_with_one_based_epochs()
    {
        string output = Output("metrics");
        var (code, text, _) = job.Run(["--epochs", "2", "--batch-size", "50", "--output", output]);
        Assert.Equal(TrainingJob.Ok, code);
        string json = File.ReadAllText(Path.Combine(output, "metrics.json"));
        var history = TrainingHistory.FromJson(json);
        Assert.Equal([1, 2], history.Epochs.Select(e => e.Number));
        Assert.Contains("\"epoch\": 1,", json);
        Assert.DoesNotContain("\"epoch\": 0,", json);
        Assert.Equal(2, history.PlannedEpochs);
        Assert.StartsWith("one-cycle: from 0.002 up to 0.05", history.Schedule);
        Assert.StartsWith("SGD(lr=", history.Optimizer);
        var train = DeepPsych.Dsl.Data.FashionMnist.LoadTrain(job.Data);
        var norm = DeepPsych.Dsl.Data.Normalization.Compute(train);
        Assert.Equal([norm.Mean], history.Normalization!.Mean);
        Assert.Equal([norm.Std], history.Normalization.Std);
        Assert.Equal(history.Epochs[^1].ValAccuracy, history.Test!.Accuracy);
        Assert.Equal(50, history.Test.Count);
        Assert.Equal("200", history.Settings["train_images"]);
        Assert.Contains($"Test accuracy after 2 epochs: {history.Test.Accuracy:P2}", text);
    }

    [Fact]
    public void The_weights_file_holds_exactly_the_parameters_and_the_optimizer_state_has_its_own_file()
    {
        string output = Output("weights");
        Assert.Equal(TrainingJob.Ok, job.Run(["--epochs", "1", "--output", output]).Code);
        var net = new LeNet5();
        using (var weights = SafeTensors.Open(Path.Combine(output, "lenet5.safetensors")))
            Assert.Equal(net.ParameterTensors.Select(t => t.Name).Order(), weights.Tensors.Select(t => t.Name).Order()); // what load_state_dict(strict=True) checks
        using (var state = SafeTensors.Open(Path.Combine(output, "lenet5.optimizer.safetensors")))
            Assert.Equal(10, state.Tensors.Count(t => t.Name.StartsWith("momentum_buffer.", StringComparison.Ordinal)));
        var optimizer = new DeepPsych.Dsl.Optimizers.Sgd(0.05f, 0.9f, nesterov: true);
        Assert.True(Checkpoint.Load(net, Path.Combine(output, "lenet5.safetensors"), optimizer).OptimizerStateLoaded);
        Assert.Equal(4, optimizer.StepCount); // 200 images at batch 64: 4 steps
    }

    [Fact]
    public void The_plain_log_keeps_long_lines_whole_and_prints_readable_settings()
    {
        var (code, text, _) = job.Run(["--epochs", "1", "--plain", "--output", Output("plain")]);
        Assert.Equal(TrainingJob.Ok, code);
        var lines = text.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("LeNet-5 on Fashion-MNIST: 200 training and 50 test images, normalised with the training set's mean", StringComparison.Ordinal) && l.Contains("std"));
        Assert.Contains(lines, l => l.StartsWith("schedule:  one-cycle: from 0.002 up to 0.05 over the first 30 % of 4 steps, then cosine down to", StringComparison.Ordinal));
        Assert.DoesNotContain("InitialRate =", text);
        Assert.Contains("Test accuracy after 1 epoch:", text);
        Assert.DoesNotContain("1 epochs", text);
    }

    [Fact]
    public void Gnu_style_flags_and_bad_values_are_handled()
    {
        Assert.Equal(1, Options.Parse(["--epochs=1"]).Epochs);
        Assert.Equal("constant", Options.Parse(["--schedule=constant", "--lr", "0.1"]).Schedule);
        var e = Assert.Throws<ArgumentException>(() => Options.Parse(["--seed", "one"]));
        Assert.Contains("--seed needs a whole number", e.Message);
        var (code, _, error) = job.Run(["--epochs=zero"]);
        Assert.Equal(TrainingJob.BadInput, code);
        Assert.Contains("--epochs needs a positive whole number, not 'zero'", error);
    }

    [Fact]
    public void Resnet20_trains_with_its_recipe_and_writes_the_same_report_named_after_it()
    {
        string output = Output("resnet20");
        var (code, text, _) = job.Run(["--network", "resnet20", "--limit", "160", "--epochs", "1", "--plain", "--output", output]);
        Assert.Equal(TrainingJob.Ok, code);
        Assert.Contains("ResNet-20 on Fashion-MNIST: 160 training and 50 test images", text);
        Assert.Contains("augment:   RandomCrop { Padding = 2, Fill = 0 }, HorizontalFlip { Probability = 0.5 }", text);
        Assert.Contains("batch 128, 1 epoch,", text);   // the recipe's batch size; --epochs overrides its 10
        Assert.Contains("SGD(lr=0.1, momentum=0.9, nesterov, weight_decay=0.0005)", text);
        string[] files = RunReport.FilesFor("resnet20", new ResNet20());
        Assert.Contains("resnet20.safetensors", files);
        Assert.Contains("filters_conv1.png", files);   // no C1 here: the first convolution, the 3x3 stem, is drawn
        foreach (var file in files) Assert.True(File.Exists(Path.Combine(output, file)), $"{file} was not written");
        // PyTorch's state_dict: every parameter and BatchNorm's running_mean, running_var and num_batches_tracked.
        var net = new ResNet20();
        using (var weights = SafeTensors.Open(Path.Combine(output, "resnet20.safetensors")))
            Assert.Equal(net.ParameterTensors.Select(t => t.Name).Concat(net.Buffers.Select(b => b.Name)).Order(), weights.Tensors.Select(t => t.Name).Order());
        Assert.Equal(63, net.Buffers.Count);   // 21 BatchNorms × 3
        var history = TrainingHistory.Load(Path.Combine(output, "metrics.json"));
        Assert.Equal("resnet20", history.Settings["network"]);
        Assert.Equal(2, history.Augmentations.Count);
        Assert.Equal(2, Checkpoint.Load(net, Path.Combine(output, "resnet20.safetensors")).NetworkStep);   // 160 images at batch 128
    }

    [Fact]
    public void A_bad_network_name_exits_2_naming_the_choices_and_lenet5_stays_the_default()
    {
        var (code, _, error) = job.Run(["--network", "resnet21", "--output", Output("bad-network")]);
        Assert.Equal(TrainingJob.BadInput, code);
        Assert.Contains("--network must be one of lenet5, resnet20, not 'resnet21'.", error);
        Assert.False(Directory.Exists(Output("bad-network")));
        Assert.Equal(new Options(), Options.Parse([]));
        Assert.Equal("none", Options.Parse([]).Augment);
        // The network's recipe gives the defaults wherever the flag stands; explicit flags win.
        Assert.Equal(64, Options.Parse(["--batch-size", "64", "--network", "resnet20"]).BatchSize);
        Assert.Equal(0.1f, Options.Parse(["--network=resnet20"]).LearningRate);
    }

    [Fact]
    public void Ilgpu_cpu_is_flagged_as_a_test_device_with_its_memory_unknown_and_validates_on_the_cpu_path()
    {
        Assert.Equal("memory unknown", TrainingJob.Memory(long.MaxValue));
        Assert.Equal("8,192 MiB", TrainingJob.Memory(8L << 30));
        var (code, text, _) = job.Run(["--backend", "ilgpu-cpu", "--limit", "16", "--batch-size", "16", "--epochs", "1", "--schedule", "constant", "--output", Output("ilgpu")]);
        Assert.Equal(TrainingJob.Ok, code);
        Assert.Contains("memory unknown", text);
        Assert.DoesNotContain((long.MaxValue >> 20).ToString(), text);
        Assert.Contains("warning:   ilgpu-cpu is ILGPU's CPU accelerator", text);
        // The same weights evaluated on the CPU path give the same figures as evaluating on the device would.
        var history = TrainingHistory.Load(Path.Combine(Output("ilgpu"), "metrics.json"));
        var net = new LeNet5 { Threads = 1 };
        Checkpoint.Load(net, Path.Combine(Output("ilgpu"), "lenet5.safetensors"));
        var (_, test) = DeepPsych.Dsl.Data.FashionMnist.Load(job.Data, trainLimit: null);
        Assert.Equal(history.Test!.Accuracy, Evaluator.Evaluate(net, test).Accuracy);
    }
}
