using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace Examples.ClassicNetworks;

// Szegedy et al.: "Going Deeper with Convolutions", CVPR 2015 (arXiv 2014). The layout is torchvision's
// googlenet(aux_logits=False, init_weights=False): every convolution is torchvision's BasicConv2d (convolution
// without bias, BatchNorm with eps 0.001, ReLU), the pools round up (ceil mode), and like torchvision the "5x5" branch
// uses a 3x3 kernel. 6,624,904 parameters.

/// <summary>torchvision's BasicConv2d: convolution (no bias), BatchNorm (eps 0.001), ReLU.</summary>
[Block]
public partial class BasicConv2d(int channels, int kernel = 1, int stride = 1, int padding = 0)
{
    [Conv2D(Bias = false, Bind = "OutChannels = channels, Kernel = kernel, Stride = stride, Padding = padding")] public partial Conv2D Conv { get; }
    [BatchNorm2D(Epsilon = 0.001f)]                                                                             public partial BatchNorm Bn { get; }

    public Tensor Forward(Tensor x) => ReLU(Bn.Forward(Conv.Forward(x)));
}

/// <summary>The inception module: 1x1, 1x1→3x3, 1x1→3x3 and pool→1x1 branches, concatenated along channels.</summary>
[Block]
public partial class InceptionModule(int ch1x1, int ch3x3red, int ch3x3, int ch5x5red, int ch5x5, int poolProj)
{
    public BasicConv2d Branch1 { get; } = new(ch1x1);
    public BasicConv2d Branch2_0 { get; } = new(ch3x3red);
    public BasicConv2d Branch2_1 { get; } = new(ch3x3, kernel: 3, padding: 1);
    public BasicConv2d Branch3_0 { get; } = new(ch5x5red);
    public BasicConv2d Branch3_1 { get; } = new(ch5x5, kernel: 3, padding: 1);
    [MaxPool2D(3, Stride = 1, Padding = 1, CeilMode = true)] public partial Pool Branch4_0 { get; }
    public BasicConv2d Branch4_1 { get; } = new(poolProj);

    public Tensor Forward(Tensor x) => Concat(
        Branch1.Forward(x),
        Branch2_1.Forward(Branch2_0.Forward(x)),
        Branch3_1.Forward(Branch3_0.Forward(x)),
        Branch4_1.Forward(Branch4_0.Forward(x)));
}

/// <summary>GoogLeNet / Inception v1 (torchvision <c>googlenet(aux_logits=False)</c>: 6,624,904 parameters).</summary>
[Network(Input = new[] { 3, InputSize.GoogLeNet, InputSize.GoogLeNet })]
public partial class GoogLeNet
{
    public BasicConv2d Conv1 { get; } = new(64, kernel: 7, stride: 2, padding: 3);
    [MaxPool2D(3, Stride = 2, CeilMode = true)] public partial Pool Maxpool1 { get; }
    public BasicConv2d Conv2 { get; } = new(64);
    public BasicConv2d Conv3 { get; } = new(192, kernel: 3, padding: 1);
    [MaxPool2D(3, Stride = 2, CeilMode = true)] public partial Pool Maxpool2 { get; }
    public InceptionModule Inception3a { get; } = new(64, 96, 128, 16, 32, 32);
    public InceptionModule Inception3b { get; } = new(128, 128, 192, 32, 96, 64);
    [MaxPool2D(3, Stride = 2, CeilMode = true)] public partial Pool Maxpool3 { get; }
    public InceptionModule Inception4a { get; } = new(192, 96, 208, 16, 48, 64);
    public InceptionModule Inception4b { get; } = new(160, 112, 224, 24, 64, 64);
    public InceptionModule Inception4c { get; } = new(128, 128, 256, 24, 64, 64);
    public InceptionModule Inception4d { get; } = new(112, 144, 288, 32, 64, 64);
    public InceptionModule Inception4e { get; } = new(256, 160, 320, 32, 128, 128);
    [MaxPool2D(2, Stride = 2, CeilMode = true)] public partial Pool Maxpool4 { get; }
    public InceptionModule Inception5a { get; } = new(256, 160, 320, 32, 128, 128);
    public InceptionModule Inception5b { get; } = new(384, 192, 384, 48, 128, 128);
    [AdaptiveAvgPool2D(1, 1)] public partial Pool Avgpool { get; }
    [Dropout(0.2)] public partial Dropout Dropout { get; }
    [Dense(1000)] public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var h = Maxpool2.Forward(Conv3.Forward(Conv2.Forward(Maxpool1.Forward(Conv1.Forward(x)))));
        h = Maxpool3.Forward(Inception3b.Forward(Inception3a.Forward(h)));
        h = Inception4e.Forward(Inception4d.Forward(Inception4c.Forward(Inception4b.Forward(Inception4a.Forward(h)))));
        h = Inception5b.Forward(Inception5a.Forward(Maxpool4.Forward(h)));
        return Fc.Forward(Dropout.Forward(Flatten(Avgpool.Forward(h))));
    }
}
