using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace DeepPsych.Dsl.TestNetworks;

/// <summary>A ResNet basic block sized by its constructor: the stride and the downsample path are per use, as
/// torchvision's <c>BasicBlock(inplanes, planes, stride, downsample)</c>. Smooth activations keep finite differences
/// meaningful (BatchNorm joins once it is a layer).</summary>
[Block]
public partial class TinyBasicBlock(int planes, int stride = 1, bool downsample = false)
{
    [Conv2D(Kernel = 3, Padding = 1, Activation = Act.Softplus, Bind = "OutChannels = planes, Stride = stride")] public partial Conv2D Conv1 { get; }
    [Conv2D(Kernel = 3, Padding = 1, Bind = "OutChannels = planes")]                                          public partial Conv2D Conv2 { get; }
    [Conv2D(Kernel = 1, Bias = false, Bind = "OutChannels = planes, Stride = stride")]                       public partial Conv2D Downsample_0 { get; }

    public Tensor Forward(Tensor x)
    {
        var identity = downsample ? Downsample_0.Forward(x) : x;
        return Softplus(Conv2.Forward(Conv1.Forward(x)) + identity);
    }
}

/// <summary>Two stages of basic blocks, the second halving the resolution (torchvision's layer1/layer2 in miniature).</summary>
[Network(Input = new[] { 2, 7, 7 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class TinyResNet
{
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.Tanh)] public partial Conv2D Conv1 { get; }
    public Sequential<TinyBasicBlock> Layer1 { get; } = [new(4), new(4)];
    public Sequential<TinyBasicBlock> Layer2 { get; } = [new(6, stride: 2, downsample: true)];
    [GlobalAvgPool] public partial Pool AvgPool { get; }
    [Dense(3)] public partial Dense Fc { get; }

    public Tensor Forward(Tensor x) => Fc.Forward(Flatten(AvgPool.Forward(Layer2.Forward(Layer1.Forward(Conv1.Forward(x))))));
}

/// <summary>A convolution and its activation, reused inside <see cref="TinyInception"/> (torchvision's BasicConv2d).</summary>
[Block]
public partial class ConvUnit(int channels, int kernel)
{
    [Conv2D(Activation = Act.Softplus, Bind = "OutChannels = channels, Kernel = kernel, Padding = (kernel - 1) / 2")] public partial Conv2D Conv { get; }

    public Tensor Forward(Tensor x) => Conv.Forward(x);
}

/// <summary>GoogLeNet's inception module: four branches concatenated, every width a constructor argument; its units are
/// nested blocks whose arguments come from this block's parameters.</summary>
[Block]
public partial class TinyInception(int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj)
{
    public ConvUnit Branch1 { get; } = new(ch1x1, 1);
    public ConvUnit Branch2_0 { get; } = new(ch3x3red, 1);
    public ConvUnit Branch2_1 { get; } = new(ch3x3, 3);
    public ConvUnit Branch3_0 { get; } = new(ch5x5red, 1);
    public ConvUnit Branch3_1 { get; } = new(ch5x5, 3);
    [MaxPool2D(3, Stride = 1, Padding = 1)] public partial Pool Branch4_0 { get; }
    public ConvUnit Branch4_1 { get; } = new(poolProj, 1);

    public Tensor Forward(Tensor x) => Concat(
        Branch1.Forward(x),
        Branch2_1.Forward(Branch2_0.Forward(x)),
        Branch3_1.Forward(Branch3_0.Forward(x)),
        Branch4_1.Forward(Branch4_0.Forward(x)));
}

/// <summary>Two inception modules in a row, as GoogLeNet's inception3a and 3b.</summary>
[Network(Input = new[] { 3, 5, 5 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class TinyGoogLeNet
{
    public TinyInception Inception3a { get; } = new(2, 2, 3, 1, 2, 1);
    public TinyInception Inception3b { get; } = new(ch1x1: 3, ch3x3red: 2, ch3x3: 2, ch5x5red: 1, ch5x5: 1, poolProj: 2);
    [GlobalAvgPool] public partial Pool AvgPool { get; }
    [Dense(3)] public partial Dense Fc { get; }

    public Tensor Forward(Tensor x) => Fc.Forward(Flatten(AvgPool.Forward(Inception3b.Forward(Inception3a.Forward(x)))));
}
