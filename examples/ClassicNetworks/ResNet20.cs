using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace Examples.ClassicNetworks;

// He, Zhang, Ren, Sun: "Deep Residual Learning for Image Recognition", CVPR 2016 (arXiv 2015), section 4.2: the CIFAR-10
// networks, 6n+2 layers with n = 3 here. A 3x3 stem of 16 channels, three stages of n basic blocks on 16, 32 and 64
// channels (the first block of stages 2 and 3 halves the map), global average pooling and a 10-way fully connected
// layer. Adapted to Fashion-MNIST's 1x28x28 images: one input channel and maps of 28, 14 and 7 (CIFAR: 32, 16, 8).
// Shortcuts on stage changes are 1x1 convolutions with BatchNorm (the paper's option B, torchvision's downsample)
// rather than option A's zero padding: the same BasicBlock as ResNet-18 (ResNet.cs), so a PyTorch twin built from
// torchvision's BasicBlock shares every state_dict name; it costs 2,560 weights and 192 BatchNorm parameters more than
// option A. 272,186 parameters.

/// <summary>ResNet-20 (He et al. 2015, section 4.2) for 1x28x28 images with projection shortcuts (option B).</summary>
[Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class ResNet20
{
    [Conv2D(16, Kernel = 3, Padding = 1, Bias = false)] public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                       public partial BatchNorm Bn1 { get; }
    public Sequential<BasicBlock> Layer1 { get; } = [new(16), new(16), new(16)];
    public Sequential<BasicBlock> Layer2 { get; } = [new(32, stride: 2, downsample: true), new(32), new(32)];
    public Sequential<BasicBlock> Layer3 { get; } = [new(64, stride: 2, downsample: true), new(64), new(64)];
    [AdaptiveAvgPool2D(1, 1)]                           public partial Pool AvgPool { get; }
    [Dense(10)]                                         public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var h = ReLU(Bn1.Forward(Conv1.Forward(x)));
        h = Layer3.Forward(Layer2.Forward(Layer1.Forward(h)));
        return Fc.Forward(Flatten(AvgPool.Forward(h)));
    }
}
