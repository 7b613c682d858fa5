using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu.Training;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// A whole LeNet-5 training step (forward, softmax CE, backward, SGD-momentum update, and a second step) gives the same loss,
/// gradients and parameters on the device as on the CPU path (<see cref="CpuBackend"/>, i.e. the CPU ops), within
/// <see cref="Tolerance.Network"/>. Written once, run per backend.
/// </summary>
public abstract class LeNetStepTests(BackendFixture fixture)
{
    private const int Batch = 3;

    [SkippableFact]
    public void LeNet5_training_steps_match_the_CPU_path()
    {
        Skip.If(fixture.Backend is null, fixture.SkipReason);
        var rng = new Random(5);
        var input = new float[Batch * 28 * 28];
        for (int i = 0; i < input.Length; i++) input[i] = rng.NextSingle();
        int[] labels = [7, 0, 3];
        int[] labels2 = [1, 9, 3];

        using var cpu = new CpuBackend();
        using var reference = new DeviceSequential(cpu, Architectures.LeNet5, (1, 28, 28), Batch);
        using var device = new DeviceSequential(fixture.Backend!, Architectures.LeNet5, (1, 28, 28), Batch);
        Assert.Equal(61706, device.ParameterCount);   // LeNet-5 with 5x5 C1 pad 2: 156 + 2416 + 48120 + 10164 + 850
        reference.InitializeParameters(42);
        device.InitializeParameters(42);
        var sgdCpu = new Sgd(0.05f, momentum: 0.9f);
        var sgdDevice = new Sgd(0.05f, momentum: 0.9f);

        for (int step = 1; step <= 2; step++)
        {
            reference.ZeroGradients();
            device.ZeroGradients();
            var l = step == 1 ? labels : labels2;
            float lossCpu = reference.ComputeGradients(input, l, Batch);
            float lossDevice = device.ComputeGradients(input, l, Batch);
            Assert.True(lossCpu > 0.1f && float.IsFinite(lossCpu), $"implausible CPU loss {lossCpu}");
            Tolerance.AssertClose([lossCpu], [lossDevice], Tolerance.Network, $"step {step} loss");

            var gCpu = Download(cpu, reference.Gradients);
            var gDevice = Download(fixture.Backend!, device.Gradients);
            foreach (var (name, offset, length) in reference.ParameterTable())
            {
                Assert.Contains(gCpu.AsSpan(offset, length).ToArray(), v => v != 0f);   // every tensor gets a gradient
                Tolerance.AssertClose(gCpu.AsSpan(offset, length), gDevice.AsSpan(offset, length), Tolerance.Network, $"step {step} {name} gradient");
            }

            reference.Update(sgdCpu);
            device.Update(sgdDevice);
            Tolerance.AssertClose(Download(cpu, reference.Parameters), Download(fixture.Backend!, device.Parameters), Tolerance.Network, $"parameters after step {step}");
        }
    }

    private static float[] Download(IDeviceBackend backend, DeviceBuffer<float> buffer)
    {
        var host = new float[buffer.Length];
        backend.Download<float>(buffer, host);
        return host;
    }
}

/// <summary>LeNet-5 steps on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuLeNetStepTests(IlgpuCpuFixture fixture) : LeNetStepTests(fixture), IClassFixture<IlgpuCpuFixture>;

/// <summary>LeNet-5 steps on OpenCL (PoCL in CI); skipped, with the reason, without an OpenCL device.</summary>
public sealed class OpenClLeNetStepTests(OpenClFixture fixture) : LeNetStepTests(fixture), IClassFixture<OpenClFixture>;
