using DeepPsych.Dsl.TestNetworks;
using DeepPsych.Dsl.Tests.Reference;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu.Tests;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>The generated device path (the same layers on an <see cref="IDeviceBackend"/>) against the generated CPU
/// path, here through <see cref="CpuBackend"/>; tests/DeepPsych.Dsl.Ilgpu.Tests runs it on ILGPU and OpenCL.</summary>
public class DevicePathTests
{
    /// <summary>The CPU path sums two shards' gradients, the device path one shard: the same math in a different
    /// order, so equal to float rounding, 1e-5 of the largest value.</summary>
    private const float Tolerance = 1e-5f;

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = 0;
        foreach (var v in expected) scale = MathF.Max(scale, MathF.Abs(v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(MathF.Abs(expected[i] - actual[i]) <= Tolerance * MathF.Max(scale, 1e-3f), $"{what}[{i}]: CPU {expected[i]}, device {actual[i]}");
    }

    private static void Compare(INeuralNetwork cpu, INeuralNetwork device, Func<INeuralNetwork, Span<float>, float> step, int outputs)
    {
        var o1 = new float[outputs];
        var o2 = new float[outputs];
        float l1 = step(cpu, o1);
        float l2 = step(device, o2);
        Assert.Equal(l1, l2, 1e-5f);
        AssertClose(o1, o2, "training outputs");
        AssertClose(cpu.Gradients, device.Gradients, "gradients");
    }

    private static void CompareInference(INeuralNetwork cpu, INeuralNetwork device, float[] x, int batch)
    {
        var i1 = new float[batch * cpu.OutputLength];
        var i2 = new float[batch * cpu.OutputLength];
        cpu.Forward(x, i1, batch);
        device.Forward(x, i2, batch);
        AssertClose(i1, i2, "inference outputs");
    }

    [Fact]
    public void LeNet5_on_a_device_backend_matches_the_cpu_path()
    {
        var (x, y) = TrainingTests.Data(5, seed: 8);
        var cpu = new LeNet5 { Threads = 2 };
        var device = new LeNet5();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, y, 5, o), 5 * 10);
        CompareInference(cpu, device, x, 5);
        device.UseDevice(null);
        Assert.Null(device.DeviceBackend);
    }

    [Theory]
    [InlineData(nameof(Residual))]
    [InlineData(nameof(Inception))]
    [InlineData(nameof(TinyResNet))]
    [InlineData(nameof(TinyGoogLeNet))]
    public void Graph_networks_on_a_device_backend_match_the_cpu_path(string name)
    {
        Func<INeuralNetwork> create = name switch
        {
            nameof(Residual) => () => new Residual { Threads = 2 },
            nameof(Inception) => () => new Inception { Threads = 2 },
            nameof(TinyResNet) => () => new TinyResNet { Threads = 2 },
            _ => () => new TinyGoogLeNet { Threads = 2 },
        };
        var cpu = create();
        var device = create();
        ((IDeviceTrainable)device).UseDevice(new CpuBackend());
        var (x, _) = TrainingTests.Data(3, seed: 6, length: cpu.InputLength);
        int[] labels = [1, 2, 0];
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, labels, 3, o), 3 * 3);
        CompareInference(cpu, device, x, 3);
    }

    [Fact]
    public void Every_layer_kind_on_a_device_backend_matches_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(3, seed: 4, length: Zoo.InputLength);
        int[] labels = [1, 2, 0];
        var cpu = new Zoo { Threads = 2 };
        var device = new Zoo();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, labels, 3, o), 3 * 3);
    }

    [Fact]
    public void Window_options_and_spatial_pyramid_on_a_device_backend_match_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(3, seed: 6, length: Pyramid.InputLength);
        int[] labels = [2, 0, 1];
        var cpu = new Pyramid { Threads = 2 };
        var device = new Pyramid();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, labels, 3, o), 3 * 3);
        CompareInference(cpu, device, x, 3);
    }

    [Fact]
    public void Class_weights_and_ignore_index_on_a_device_backend_match_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(5, seed: 8, length: WeightedClassifier.InputLength);
        int[] labels = [2, -1, 0, 1, -1];
        var cpu = new WeightedClassifier { Threads = 2 };
        var device = new WeightedClassifier();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, labels, 5, o), 5 * 3);
    }

    [Fact]
    public void Softmax_output_on_a_device_backend_matches_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(4, seed: 7, length: Probabilities.InputLength);
        var targets = TestData.Uniform(8, 4 * Probabilities.OutputLength, 0f, 1f);
        var cpu = new Probabilities { Threads = 2 };
        var device = new Probabilities();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, targets, 4, o), 4 * 3);
        CompareInference(cpu, device, x, 4);
    }

    [Fact]
    public void Mean_squared_error_and_dropout_on_a_device_backend_match_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(4, seed: 6, length: Regressor.InputLength);
        var targets = TrainingTests.Data(4, seed: 7, length: Regressor.OutputLength).X;
        var cpu = new Regressor { Threads = 2, Seed = 5, Step = 3 };
        var device = new Regressor { Seed = 5, Step = 3 };
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, targets, 4, o), 4 * Regressor.OutputLength);
    }

    // ---- parameters, gradients and optimizer state kept on the device (CpuBackend: the CPU ops behind the interface) ----

    /// <summary>Five steps of each optimizer on the device give the CPU path's weights and optimizer state bit for bit:
    /// with one shard on both paths the device path calls the same CPU ops in the same order, and
    /// <see cref="CpuBackend"/>'s updates are the optimizers' own statements.</summary>
    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    [InlineData("adamw")]
    public void Five_steps_on_a_device_backend_give_the_CPU_path_weights_exactly(string kind)
    {
        var cpu = new LeNet5 { Threads = 1 };
        var device = new LeNet5();
        var counting = new CountingBackend(new CpuBackend());
        device.UseDevice(counting);
        var optCpu = MakeOptimizer(kind);
        var optDevice = MakeOptimizer(kind);
        for (int step = 1; step <= 5; step++)
        {
            var (x, y) = TrainingTests.Data(4, seed: 20 + step);
            float lossCpu = Step(cpu, optCpu, x, y);
            counting.Reset();
            float lossDevice = Step(device, optDevice, x, y);
            // The CPU path sums the per-sample losses in double, the device path stores them as floats first: the mean loss may
            // differ in its last bit. The weights below must not differ at all.
            Assert.Equal(lossCpu, lossDevice, 1e-6f * MathF.Abs(lossCpu));
            if (step > 1) Assert.Equal($"upload {4 * LeNet5.InputLength}, upload 4, sum 4", counting.Log());   // only the batch up, the losses down
        }
        counting.Reset();
        Assert.Equal(cpu.Parameters, device.Parameters);
        Assert.Equal($"download {LeNet5.ParameterCount}", counting.Log());   // parameters come down when asked
        var stateCpu = optCpu.ExportState();
        var stateDevice = optDevice.ExportState();
        Assert.Equal(stateCpu.Step, stateDevice.Step);
        Assert.NotEmpty(stateCpu.Buffers);
        foreach (var (name, buffer) in stateCpu.Buffers) Assert.Equal(buffer, stateDevice.Buffers[name]);
    }

    private static Optimizer MakeOptimizer(string kind) => kind switch
    {
        "sgd" => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-3f, nesterov: true) { DecayBiases = false },
        "adam" => new Adam(2e-3f, weightDecay: 1e-3f),
        _ => new AdamW(2e-3f, weightDecay: 0.05f) { DecayBiases = false },
    };

    private static float Step(INeuralNetwork net, Optimizer optimizer, float[] x, int[] y)
    {
        net.ZeroGradients();
        float loss = net.ComputeGradients(x, y, y.Length);
        optimizer.Step(net);
        return loss;
    }

    /// <summary>The residency rule of <see cref="DeviceTrainingState"/>: host reads see the device's values, host writes
    /// (through <c>Parameters</c> or the named views, as a checkpoint load does) go up before the next device step,
    /// optimizer state survives export/import and leaving the device, and training continues on the host unchanged.</summary>
    [Fact]
    public void Host_reads_and_writes_between_device_steps_are_neither_stale_nor_lost()
    {
        var cpu = new LeNet5 { Threads = 1 };
        var device = new LeNet5();
        var counting = new CountingBackend(new CpuBackend());
        device.UseDevice(counting);
        var optCpu = new Sgd(0.05f, momentum: 0.9f);
        var optDevice = new Sgd(0.05f, momentum: 0.9f);
        var (x, y) = TrainingTests.Data(3, seed: 40);
        Step(cpu, optCpu, x, y);
        Step(device, optDevice, x, y);

        // A write through a named view (as Checkpoint.Load does) reaches the device before the next step.
        cpu.F5.Weights.Values[7] += 0.25f;
        device.F5.Weights.Values[7] += 0.25f;
        counting.Reset();
        Step(cpu, optCpu, x, y);
        Step(device, optDevice, x, y);
        Assert.StartsWith($"upload {LeNet5.ParameterCount}, upload {3 * LeNet5.InputLength}", counting.Log());
        Assert.Equal(cpu.Parameters, device.Parameters);

        // Gradients read on the host are the device's; a host write to them (host-side clipping) is used by the update.
        Assert.Equal(cpu.Gradients, device.Gradients);

        // Optimizer state round-trips through export/import on another instance, then continues on the device.
        var moved = new Sgd(0.05f, momentum: 0.9f);
        moved.ImportState(optDevice.ExportState());
        Step(cpu, optCpu, x, y);
        Step(device, moved, x, y);
        Assert.Equal(cpu.Parameters, device.Parameters);

        // Leaving the device brings everything down; the host path continues with the same state.
        Step(cpu, optCpu, x, y);
        Step(device, moved, x, y);
        device.UseDevice(null);
        device.Threads = 1;
        Step(cpu, optCpu, x, y);
        Step(device, moved, x, y);
        Assert.Equal(cpu.Parameters, device.Parameters);
        Assert.Equal(optCpu.ExportState().Buffers["momentum_buffer"], moved.ExportState().Buffers["momentum_buffer"]);
    }

    /// <summary>The unchanged <see cref="Trainer"/> on a network on a device: clipping and the NaN/∞ checks run there
    /// (one reduction each), and the epoch gives the CPU path's weights and history.</summary>
    [Fact]
    public void The_trainer_trains_on_a_device_as_on_the_cpu_path()
    {
        var (x, y) = TrainingTests.Data(40, seed: 41);
        var data = new Dataset(x, y, [1, 28, 28], Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
        var options = new TrainerOptions { Epochs = 2, BatchSize = 16, ClipGradientNorm = 0.5f, EvaluateEachEpoch = false, Prefetch = false };
        var cpu = new LeNet5 { Threads = 1 };
        var device = new LeNet5();
        var counting = new CountingBackend(new CpuBackend());
        device.UseDevice(counting);
        var historyCpu = new Trainer(cpu, new Sgd(0.05f, momentum: 0.9f), new StepSchedule(0.05f, 2, 0.5f), options).Fit(data);
        counting.Reset();
        var historyDevice = new Trainer(device, new Sgd(0.05f, momentum: 0.9f), new StepSchedule(0.05f, 2, 0.5f), options).Fit(data);
        // The parameters and the fresh momentum buffer go up once, at the first step; no block moves after that. Per step:
        // the batch and labels up, the losses and the outputs (for accuracy) down, two reductions (gradient norm, finite checks).
        Assert.Equal([$"upload {LeNet5.ParameterCount}", $"upload {LeNet5.ParameterCount}"],
            counting.Transfers.Where(t => t.Elements == LeNet5.ParameterCount).Select(t => t.ToString()));
        Assert.Equal(3 * 2, counting.Transfers.Count(t => t.Kind == "sum"));   // 40 samples in batches of 16: 3 steps per epoch
        Assert.Equal($"upload {16 * LeNet5.InputLength}, upload 16, sum 16, download 160, statistics 2, statistics 2, statistics 2",
            string.Join(", ", counting.Transfers.Skip(9).Take(7)));   // step 2 (step 1 also moves the two blocks)
        Assert.Equal(historyCpu.Epochs.Select(e => e.TrainLoss), historyDevice.Epochs.Select(e => e.TrainLoss));
        Assert.Equal(historyCpu.Epochs.Select(e => e.TrainAccuracy), historyDevice.Epochs.Select(e => e.TrainAccuracy));
        Assert.Equal(cpu.Parameters, device.Parameters);
    }

    /// <summary>The trainer's NaN check on the device names the step, as on the CPU path.</summary>
    [Fact]
    public void A_divergence_on_a_device_is_detected()
    {
        var (x, y) = TrainingTests.Data(8, seed: 42);
        var data = new Dataset(x, y, [1, 28, 28], Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());
        var device = new LeNet5();
        device.UseDevice(new CpuBackend());
        device.Output.Bias!.Values[3] = float.NaN;
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(device, new Sgd(0.01f), options: new TrainerOptions { BatchSize = 8, EvaluateEachEpoch = false }).Fit(data));
        Assert.Equal(0, e.Step);
        Assert.Equal("Output", e.Layer);   // found on the device: the first layer output holding NaN
    }
}

/// <summary>A device training step (forward, loss, backward, the optimizer update on the device) allocates nothing after
/// warm-up, as the CPU path's (<see cref="AllocationTests"/>); runs in that test's non-parallel collection.</summary>
[Collection(nameof(AllocationTests))]
public class DeviceAllocationTests
{
    /// <summary>Tiered JIT recompiles hot methods in the background and its switch-over allocates a little on the calling
    /// thread at a moment that depends on timing, so the test looks at successive windows of 10 steps: an allocation in
    /// the step itself shows in every window; the JIT's shows in one or two.</summary>
    [Fact]
    public void A_device_training_step_with_its_optimizer_update_allocates_nothing_after_warm_up()
    {
        var net = new LeNet5();
        net.UseDevice(new CpuBackend());
        var adam = new Adam(1e-3f, weightDecay: 1e-4f) { DecayBiases = false };
        var (x, y) = TrainingTests.Data(16, seed: 1);
        var outputs = new float[16 * 10];
        void Step() { net.ZeroGradients(); net.ComputeGradients(x, y, 16, outputs); adam.Step(net); net.Forward(x, outputs, 16); }
        for (int i = 0; i < 10; i++) Step();
        var windows = new List<long>();
        for (int w = 0; w < 20 && (windows.Count == 0 || windows[^1] != 0); w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) Step();
            windows.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.True(windows[^1] == 0, $"every window of 10 device steps allocated: {string.Join(", ", windows)} bytes");
    }
}
