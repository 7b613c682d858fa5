using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.TestNetworks;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>Two networks over one parameter block (src/DeepPsych.Dsl.Runtime/Execution/ParameterSharing.cs): the same
/// pyramid-pooled block at 2×6×6 and at 2×9×5, as He et al. train SPP-net at two input sizes.</summary>
public class ParameterSharingTests
{
    private static float[] Batch(int batch, int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, batch * length).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
    }

    private static readonly int[] Labels = [0, 2, 1, 2];

    [Fact]
    public void The_second_network_reads_and_writes_the_first_ones_blocks()
    {
        var square = new PyramidSquare { Threads = 1 };
        var wide = new PyramidWide(sharesParametersWith: square) { Threads = 1 };
        Assert.Same(square.Parameters, wide.Parameters);
        Assert.Same(square.Gradients, wide.Gradients);
        Assert.Equal(square.ParameterTensors.Select(p => p.Name), wide.ParameterTensors.Select(p => p.Name));

        wide.ComputeGradients(Batch(4, PyramidWide.InputLength, 1), Labels, 4);   // training mode moves the running statistics
        var mean = square.Buffers.Single(b => b.Name == "Net.Bn.running_mean");
        Assert.Equal(wide.Buffers.Single(b => b.Name == "Net.Bn.running_mean").Values.ToArray(), mean.Values.ToArray());
        Assert.Contains(mean.Values.ToArray(), v => v != 0);
        Assert.Equal(1, square.Buffers.Single(b => b.IsInt64).Int64Values[0]);
    }

    [Fact]
    public void Gradients_of_both_sizes_add_into_one_block_as_if_computed_apart()
    {
        var x6 = Batch(4, PyramidSquare.InputLength, 2);
        var x9 = Batch(4, PyramidWide.InputLength, 3);

        var square = new PyramidSquare { Threads = 1 };
        var wide = new PyramidWide(sharesParametersWith: square) { Threads = 1 };
        square.ZeroGradients();
        float lossSquare = square.ComputeGradients(x6, Labels, 4);
        float lossWide = wide.ComputeGradients(x9, Labels, 4);

        var apartSquare = new PyramidSquare { Threads = 1 };
        var apartWide = new PyramidWide { Threads = 1 };
        apartSquare.Parameters.CopyTo(apartWide.Parameters, 0);
        apartSquare.ZeroGradients();
        apartWide.ZeroGradients();
        Assert.Equal(lossSquare, apartSquare.ComputeGradients(x6, Labels, 4));
        Assert.Equal(lossWide, apartWide.ComputeGradients(x9, Labels, 4));

        // The shared block adds the wide batch's terms onto the square batch's, the apart sum adds the two totals: the same
        // terms in another order, so equal up to float32 rounding of the sums (1e-6 of the largest gradient).
        float largest = square.Gradients.Max(MathF.Abs);
        Assert.True(largest > 0);
        for (int i = 0; i < square.Gradients.Length; i++)
            Assert.True(MathF.Abs(square.Gradients[i] - (apartSquare.Gradients[i] + apartWide.Gradients[i])) <= 1e-6f * largest,
                $"gradient {i}: shared {square.Gradients[i]}, apart {apartSquare.Gradients[i]} + {apartWide.Gradients[i]}");
    }

    [Fact]
    public void An_optimizer_step_through_one_network_is_seen_by_the_other()
    {
        var square = new PyramidSquare { Threads = 1 };
        var wide = new PyramidWide(sharesParametersWith: square) { Threads = 1 };
        var x6 = Batch(2, PyramidSquare.InputLength, 4);
        var before = new float[2 * 3];
        square.Forward(x6, before, 2);

        wide.ZeroGradients();
        wide.ComputeGradients(Batch(4, PyramidWide.InputLength, 5), Labels, 4);
        new Sgd(0.1f).Step(wide);

        var after = new float[2 * 3];
        square.Forward(x6, after, 2);
        var copy = new PyramidSquare { Threads = 1 };
        square.Parameters.CopyTo(copy.Parameters, 0);
        foreach (var (to, from) in copy.Buffers.Zip(square.Buffers))
            if (to.IsInt64) from.Int64Values.CopyTo(to.Int64Values); else from.Values.CopyTo(to.Values);
        var expected = new float[2 * 3];
        copy.Forward(x6, expected, 2);
        Assert.NotEqual(before, after);
        Assert.Equal(expected, after);
    }

    [Fact]
    public void Networks_of_different_layouts_are_refused_with_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => new PyramidWide(sharesParametersWith: new TinyResNet()));
        Assert.Contains("PyramidWide cannot share TinyResNet's parameters", e.Message);
        Assert.Contains($"PyramidWide has {PyramidWide.ParameterCount:N0} parameters", e.Message);
        Assert.Contains("same name, shape and offset", e.Message);
    }

    [Fact]
    public void A_shared_block_stays_on_the_host()
    {
        var square = new PyramidSquare();
        _ = new PyramidWide(sharesParametersWith: square);
        using var backend = new CpuBackend();
        var e = Assert.Throws<InvalidOperationException>(() => square.UseDevice(backend));
        Assert.Contains("PyramidSquare shares its parameter block (PyramidSquare and PyramidWide)", e.Message);

        var onDevice = new PyramidSquare();
        onDevice.UseDevice(backend);
        var e2 = Assert.Throws<InvalidOperationException>(() => new PyramidWide(sharesParametersWith: onDevice));
        Assert.Contains("while PyramidSquare runs on a device", e2.Message);
        onDevice.UseDevice(null);
    }
}
