using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Testing.Tests.Examples;

/// <summary>LeNet-5's first convolution without the dense kinks of ReLU + max-pool (see
/// <see cref="ExampleNetworkGradientTests"/>): these must pass at every coordinate.</summary>
public class KinkFreeVariantTests
{
    [Fact]
    public void LeNet5_with_tanh_and_average_pooling_passes_everywhere() => GradientCheck.Assert(new LeNet5Smooth());

    [Fact]
    public void Conv_relu_without_pooling_has_fewer_dense_kinks()
    {
        // ReLU alone still gives C1 ~4 kinks per interval (720 ReLUs per sample): at seed 7, 1 of 150 coordinates
        // straddles two opposite ones undetected. Everything else passes outright.
        var report = GradientCheck.Check(new ConvRelu(), new GradientCheckOptions { Seed = 7, Batch = 5 });
        Assert.True(report.Tensors.Where(t => t.Name != "C1.weight").All(t => t.Passed), report.ToString());
        Assert.True(report.Tensors[0].FailedCoordinates <= 0.05 * report.Tensors[0].Coordinates.Count, report.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void C1_conv_op_in_isolation_passes_with_dense_or_pool_like_sparse_upstream(bool sparse)
    {
        const int batch = 3, size = 28;
        var g = new Conv2DGeometry(InChannels: 1, InHeight: size, InWidth: size, OutChannels: 6, KernelH: 5, KernelW: 5, StrideH: 1, StrideW: 1, PadH: 2, PadW: 2, DilationH: 1, DilationW: 1, Groups: 1);
        int outLen = batch * 6 * size * size;
        var mask = new float[outLen];
        for (int i = 0; i < outLen; i++) mask[i] = !sparse || i % 4 == (i / (4 * size)) % 4 ? 1f : 0f;   // one in four, like max-pool's winners
        var inputs = new[] { OpInput.Random("x", [batch, 1, size, size], 1) with { Differentiable = false }, OpInput.Random("weight", [6, 1, 5, 5], 2, 0.2), OpInput.Random("bias", [6], 3, 0.1) };
        GradientCheck.AssertOp("Conv2DOp (C1 geometry)", inputs, outLen,
            (p, y) => { Conv2DOp.Forward(g, batch, p[0], p[1], p[2], y); for (int i = 0; i < y.Length; i++) y[i] *= mask[i]; },
            (p, y, dy, d) =>
            {
                var dz = new float[dy.Length];
                for (int i = 0; i < dy.Length; i++) dz[i] = dy[i] * mask[i];
                Conv2DOp.Backward(g, batch, p[0], p[1], dz, default, d[1], d[2]);
            });
    }
}

[Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class LeNet5Smooth
{
    [Conv2D(6, Kernel = 5, Padding = 2, Activation = Act.Tanh)] public partial Conv2D C1 { get; }
    [AvgPool2D(2)] public partial Pool S2 { get; }
    [Conv2D(16, Kernel = 5, Activation = Act.Tanh)] public partial Conv2D C3 { get; }
    [AvgPool2D(2)] public partial Pool S4 { get; }
    [Dense(120, Activation = Act.Tanh)] public partial Dense F5 { get; }
    [Dense(84, Activation = Act.Tanh)] public partial Dense F6 { get; }
    [Dense(10)] public partial Dense Output { get; }
}

[Network(Input = new[] { 1, 12, 12 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class ConvRelu
{
    [Conv2D(6, Kernel = 5, Padding = 2, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [Dense(10)] public partial Dense Output { get; }
}
