using DeepPsych.Dsl.Optimizers;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// The generated LeNet-5 trained on a device (<c>net.UseDevice(backend)</c>; parameters, gradients and optimizer state stay
/// there) against the same network on its CPU path: five steps of SGD with Nesterov momentum and of Adam give the CPU
/// path's losses and weights within <see cref="Tolerance.Network"/>, and each step after the first moves only the batch
/// up and the per-sample losses down (a <see cref="CountingBackend"/> records every transfer). Written once, run per backend.
/// </summary>
public abstract class LeNetStepTests(BackendFixture fixture)
{
    private const int Batch = 3, Steps = 5;

    [SkippableFact]
    public void Five_SGD_steps_on_the_device_give_the_CPU_path_weights() =>
        FiveSteps(() => new Sgd(0.05f, momentum: 0.9f, weightDecay: 1e-3f, nesterov: true) { DecayBiases = false }, stateBlocks: 1);

    [SkippableFact]
    public void Five_Adam_steps_on_the_device_give_the_CPU_path_weights() =>
        FiveSteps(() => new Adam(1e-3f, weightDecay: 1e-3f), stateBlocks: 2);

    private void FiveSteps(Func<Optimizer> makeOptimizer, int stateBlocks)
    {
        Skip.If(fixture.Backend is null, fixture.SkipReason);
        var cpu = new LeNet5 { Threads = 1 };
        var device = new LeNet5();
        Assert.Equal(61706, LeNet5.ParameterCount);   // LeNet-5 with 5x5 C1 pad 2: 156 + 2416 + 48120 + 10164 + 850
        var counting = new CountingBackend(fixture.Backend!);   // not disposed here: the fixture owns the backend
        device.UseDevice(counting);
        try
        {
            var optCpu = makeOptimizer();
            var optDevice = makeOptimizer();
            string batchOnly = $"upload {Batch * LeNet5.InputLength}, upload {Batch}, sum {Batch}";
            for (int step = 1; step <= Steps; step++)
            {
                var (x, y) = Data(step);
                cpu.ZeroGradients();
                float lossCpu = cpu.ComputeGradients(x, y, Batch);
                optCpu.Step(cpu);
                counting.Reset();
                device.ZeroGradients();
                float lossDevice = device.ComputeGradients(x, y, Batch);
                optDevice.Step(device);
                Assert.True(lossCpu > 0.1f && float.IsFinite(lossCpu), $"implausible CPU loss {lossCpu}");
                Tolerance.AssertClose([lossCpu], [lossDevice], Tolerance.Network, $"step {step} loss");
                // Step 1 also uploads the parameters (new on the device) and the optimizer's fresh state blocks (and the decay mask).
                string expected = step > 1 ? batchOnly
                    : $"upload {LeNet5.ParameterCount}, {batchOnly}" + string.Concat(Enumerable.Repeat($", upload {LeNet5.ParameterCount}", stateBlocks + (optCpu.DecayBiases ? 0 : 1)));
                Assert.Equal(expected, counting.Log());
            }

            counting.Reset();
            var weights = device.Parameters;   // the host asks: the parameters come down, once
            Assert.Equal($"download {LeNet5.ParameterCount}", counting.Log());
            foreach (var tensor in cpu.ParameterTensors)
                Tolerance.AssertClose(tensor.Values, weights.AsSpan(tensor.Offset, tensor.Length), Tolerance.Network, $"{tensor.Name} after {Steps} steps");
            Assert.NotEqual(new LeNet5().Parameters, weights);   // the steps did move the weights
        }
        finally { device.UseDevice(null); }
    }

    private static (float[] X, int[] Y) Data(int step)
    {
        var rng = new Random(5 + step);
        var x = new float[Batch * LeNet5.InputLength];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
        var y = new int[Batch];
        for (int i = 0; i < Batch; i++) y[i] = rng.Next(10);
        return (x, y);
    }
}

/// <summary>LeNet-5 steps on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuLeNetStepTests(IlgpuCpuFixture fixture) : LeNetStepTests(fixture), IClassFixture<IlgpuCpuFixture>;

/// <summary>LeNet-5 steps on OpenCL (PoCL in CI); skipped, with the reason, without an OpenCL device.</summary>
public sealed class OpenClLeNetStepTests(OpenClFixture fixture) : LeNetStepTests(fixture), IClassFixture<OpenClFixture>;
