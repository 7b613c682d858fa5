using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.TestNetworks;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>The generated LeNet-5 itself on a device (<c>net.UseDevice(backend)</c>): its device path, emitted from the
/// same per-layer statements as its CPU path, gives the CPU path's loss, outputs and gradients within
/// <see cref="Tolerance.Network"/>. Written once, run per backend.</summary>
public abstract class GeneratedNetworkOnDeviceTests(BackendFixture fixture)
{
    [SkippableFact]
    public void Generated_LeNet5_on_the_device_matches_its_CPU_path()
        => AssertDeviceMatchesCpu(new LeNet5 { Threads = 1 }, new LeNet5(), [4, 1, 8], seed: 11);

    /// <summary>Graph networks (residual '+' with a fan-out gradient sum, a 4-branch Concat) on the device: the Add and
    /// Concat kernels beside the layers' own.</summary>
    [SkippableTheory]
    [InlineData(nameof(Residual))]
    [InlineData(nameof(Inception))]
    [InlineData(nameof(TinyResNet))]
    [InlineData(nameof(TinyGoogLeNet))]
    public void Generated_graph_network_on_the_device_matches_its_CPU_path(string name)
    {
        INeuralNetwork Create() => name switch
        {
            nameof(Residual) => new Residual { Threads = 1 },
            nameof(Inception) => new Inception { Threads = 1 },
            nameof(TinyResNet) => new TinyResNet { Threads = 1 },
            _ => new TinyGoogLeNet { Threads = 1 },
        };
        AssertDeviceMatchesCpu(Create(), Create(), [2, 0, 1], seed: 12);
    }

    /// <summary>BatchNorm2D and BatchNorm1D on the device: the whole batch's statistics in one workspace (the BatchNorm kernels'
    /// two-level reductions) against the CPU pass's three shards combined; then the running statistics, brought down by
    /// host access, and eval-mode inference with them.</summary>
    /// <remarks><see cref="NormalizedPlain"/>: without γ, β, one on the network input (no dL/dx: the kernels skip it).</remarks>
    [SkippableTheory]
    [InlineData(nameof(Normalized))]
    [InlineData(nameof(NormalizedPlain))]
    public void Generated_BatchNorm_network_on_the_device_matches_its_CPU_path(string name)
    {
        INeuralNetwork Create(int threads) => name == nameof(Normalized) ? new Normalized { Threads = threads } : new NormalizedPlain { Threads = threads };
        var cpu = Create(3);
        var device = Create(1);
        AssertDeviceMatchesCpu(cpu, device, [2, 0, 1, 1, 2], seed: 13);
        foreach (var buffer in cpu.Buffers)
        {
            var onDevice = device.Buffers.Single(b => b.Name == buffer.Name);
            if (buffer.IsInt64) Assert.Equal(1, onDevice.Int64Values[0]);
            else Tolerance.AssertClose(buffer.Values, onDevice.Values, Tolerance.Network, buffer.Name);
        }
    }

    /// <summary>Per-side padding, ceil-mode pools, a spatial pyramid and a log-softmax on the device (the pooling kernels'
    /// PB/PR, the SPP and softmax kernels).</summary>
    [SkippableFact]
    public void Generated_window_options_and_pyramid_on_the_device_match_the_CPU_path()
        => AssertDeviceMatchesCpu(new Pyramid { Threads = 1 }, new Pyramid(), [1, 2, 0], seed: 13);

    /// <summary>Class weights and an ignore index (label −1) on the device: the weighted loss kernel and its device copy of the weights.</summary>
    [SkippableFact]
    public void Generated_weighted_cross_entropy_on_the_device_matches_the_CPU_path()
        => AssertDeviceMatchesCpu(new WeightedClassifier { Threads = 1 }, new WeightedClassifier(), [2, -1, 0, 1], seed: 14);

    /// <summary>Loss, training outputs, every gradient and inference outputs of <paramref name="device"/> (moved onto the
    /// fixture's backend) against <paramref name="cpu"/>, one sample per label.</summary>
    private void AssertDeviceMatchesCpu(INeuralNetwork cpu, INeuralNetwork device, int[] labels, int seed)
    {
        Skip.If(fixture.Backend is null, fixture.SkipReason);
        int batch = labels.Length;
        var rng = new Random(seed);
        var input = new float[batch * cpu.InputLength];
        for (int i = 0; i < input.Length; i++) input[i] = rng.NextSingle() * 2 - 1;

        var trainable = (IDeviceTrainable)device;
        trainable.UseDevice(fixture.Backend);
        try
        {
            var outCpu = new float[batch * cpu.OutputLength];
            var outDevice = new float[batch * cpu.OutputLength];
            float lossCpu = cpu.ComputeGradients(input, labels, batch, outCpu);
            float lossDevice = device.ComputeGradients(input, labels, batch, outDevice);
            Tolerance.AssertClose([lossCpu], [lossDevice], Tolerance.Network, "loss");
            Tolerance.AssertClose(outCpu, outDevice, Tolerance.Network, "training outputs");
            foreach (var tensor in cpu.ParameterTensors)
                Tolerance.AssertClose(tensor.Gradients, device.Gradients.AsSpan(tensor.Offset, tensor.Length), Tolerance.Network, tensor.Name + " gradient");
            cpu.Forward(input, outCpu, batch);
            device.Forward(input, outDevice, batch);
            Tolerance.AssertClose(outCpu, outDevice, Tolerance.Network, "inference outputs");
        }
        finally { trainable.UseDevice(null); }
    }
}

/// <summary>On ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuGeneratedNetworkTests(IlgpuCpuFixture fixture) : GeneratedNetworkOnDeviceTests(fixture), IClassFixture<IlgpuCpuFixture>;

/// <summary>On OpenCL (PoCL in CI); skipped, with the reason, without an OpenCL device.</summary>
public sealed class OpenClGeneratedNetworkTests(OpenClFixture fixture) : GeneratedNetworkOnDeviceTests(fixture), IClassFixture<OpenClFixture>;
