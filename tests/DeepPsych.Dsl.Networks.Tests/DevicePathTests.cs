using DeepPsych.Dsl.Devices;
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

    [Fact]
    public void LeNet5_on_a_device_backend_matches_the_cpu_path()
    {
        var (x, y) = TrainingTests.Data(5, seed: 8);
        var cpu = new LeNet5 { Threads = 2 };
        var device = new LeNet5();
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, y, 5, o), 5 * 10);
        var i1 = new float[50];
        var i2 = new float[50];
        cpu.Forward(x, i1, 5);
        device.Forward(x, i2, 5);
        AssertClose(i1, i2, "inference outputs");
        device.UseDevice(null);
        Assert.Null(device.DeviceBackend);
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
    public void Mean_squared_error_and_dropout_on_a_device_backend_match_the_cpu_path()
    {
        var (x, _) = TrainingTests.Data(4, seed: 6, length: Regressor.InputLength);
        var targets = TrainingTests.Data(4, seed: 7, length: Regressor.OutputLength).X;
        var cpu = new Regressor { Threads = 2, Seed = 5, Step = 3 };
        var device = new Regressor { Seed = 5, Step = 3 };
        device.UseDevice(new CpuBackend());
        Compare(cpu, device, (net, o) => net.ComputeGradients(x, targets, 4, o), 4 * Regressor.OutputLength);
    }
}
