using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace Examples.ClassicNetworks;

// He, Zhang, Ren, Sun: "Deep Residual Learning for Image Recognition", CVPR 2016 (arXiv 2015). The layouts are
// torchvision's resnet18/34/50 (v1.5: a bottleneck's stride sits on its 3x3 convolution), so a torchvision state_dict
// loads by the name rule of docs/graphs.md (Layer2.0.Downsample_0.weight <-> layer2.0.downsample.0.weight).

/// <summary>ResNet's basic block (ResNet-18/34): two 3x3 convolutions with BatchNorm, the input added back; the first
/// block of a stage halves the resolution and projects the identity with a 1x1 convolution (torchvision's downsample).</summary>
[Block]
public partial class BasicBlock(int planes, int stride = 1, bool downsample = false)
{
    [Conv2D(Kernel = 3, Padding = 1, Bias = false, Bind = "OutChannels = planes, Stride = stride")] public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                                                                   public partial BatchNorm Bn1 { get; }
    [Conv2D(Kernel = 3, Padding = 1, Bias = false, Bind = "OutChannels = planes")]                  public partial Conv2D Conv2 { get; }
    [BatchNorm2D]                                                                                   public partial BatchNorm Bn2 { get; }
    [Conv2D(Kernel = 1, Bias = false, Bind = "OutChannels = planes, Stride = stride")]              public partial Conv2D Downsample_0 { get; }
    [BatchNorm2D]                                                                                   public partial BatchNorm Downsample_1 { get; }

    public Tensor Forward(Tensor x)
    {
        var identity = downsample ? Downsample_1.Forward(Downsample_0.Forward(x)) : x;
        return ReLU(Bn2.Forward(Conv2.Forward(ReLU(Bn1.Forward(Conv1.Forward(x))))) + identity);
    }
}

/// <summary>ResNet's bottleneck block (ResNet-50 and deeper): 1x1 down to <c>planes</c>, 3x3 (with the stride), 1x1 up
/// to 4·planes; the identity is projected where the shape changes.</summary>
[Block]
public partial class Bottleneck(int planes, int stride = 1, bool downsample = false)
{
    [Conv2D(Kernel = 1, Bias = false, Bind = "OutChannels = planes")]                              public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                                                                  public partial BatchNorm Bn1 { get; }
    [Conv2D(Kernel = 3, Padding = 1, Bias = false, Bind = "OutChannels = planes, Stride = stride")] public partial Conv2D Conv2 { get; }
    [BatchNorm2D]                                                                                  public partial BatchNorm Bn2 { get; }
    [Conv2D(Kernel = 1, Bias = false, Bind = "OutChannels = planes * 4")]                          public partial Conv2D Conv3 { get; }
    [BatchNorm2D]                                                                                  public partial BatchNorm Bn3 { get; }
    [Conv2D(Kernel = 1, Bias = false, Bind = "OutChannels = planes * 4, Stride = stride")]         public partial Conv2D Downsample_0 { get; }
    [BatchNorm2D]                                                                                  public partial BatchNorm Downsample_1 { get; }

    public Tensor Forward(Tensor x)
    {
        var identity = downsample ? Downsample_1.Forward(Downsample_0.Forward(x)) : x;
        var h = ReLU(Bn2.Forward(Conv2.Forward(ReLU(Bn1.Forward(Conv1.Forward(x))))));
        return ReLU(Bn3.Forward(Conv3.Forward(h)) + identity);
    }
}

/// <summary>ResNet-18 (torchvision <c>resnet18</c>: 11,689,512 parameters, 1.8 GMACs at 224x224).</summary>
[Network(Input = new[] { 3, InputSize.ResNet, InputSize.ResNet })]
public partial class ResNet18
{
    [Conv2D(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                                   public partial BatchNorm Bn1 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                         public partial Pool MaxPool { get; }
    public Sequential<BasicBlock> Layer1 { get; } = [new(64), new(64)];
    public Sequential<BasicBlock> Layer2 { get; } = [new(128, stride: 2, downsample: true), new(128)];
    public Sequential<BasicBlock> Layer3 { get; } = [new(256, stride: 2, downsample: true), new(256)];
    public Sequential<BasicBlock> Layer4 { get; } = [new(512, stride: 2, downsample: true), new(512)];
    [AdaptiveAvgPool2D(1, 1)]                                       public partial Pool AvgPool { get; }
    [Dense(1000)]                                                   public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var h = MaxPool.Forward(ReLU(Bn1.Forward(Conv1.Forward(x))));
        h = Layer4.Forward(Layer3.Forward(Layer2.Forward(Layer1.Forward(h))));
        return Fc.Forward(Flatten(AvgPool.Forward(h)));
    }
}

/// <summary>ResNet-34 (torchvision <c>resnet34</c>: 21,797,672 parameters): ResNet-18 with 3, 4, 6, 3 blocks per stage.</summary>
[Network(Input = new[] { 3, InputSize.ResNet, InputSize.ResNet })]
public partial class ResNet34
{
    [Conv2D(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                                   public partial BatchNorm Bn1 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                         public partial Pool MaxPool { get; }
    public Sequential<BasicBlock> Layer1 { get; } = [new(64), new(64), new(64)];
    public Sequential<BasicBlock> Layer2 { get; } = [new(128, stride: 2, downsample: true), new(128), new(128), new(128)];
    public Sequential<BasicBlock> Layer3 { get; } = [new(256, stride: 2, downsample: true), new(256), new(256), new(256), new(256), new(256)];
    public Sequential<BasicBlock> Layer4 { get; } = [new(512, stride: 2, downsample: true), new(512), new(512)];
    [AdaptiveAvgPool2D(1, 1)]                                       public partial Pool AvgPool { get; }
    [Dense(1000)]                                                   public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var h = MaxPool.Forward(ReLU(Bn1.Forward(Conv1.Forward(x))));
        h = Layer4.Forward(Layer3.Forward(Layer2.Forward(Layer1.Forward(h))));
        return Fc.Forward(Flatten(AvgPool.Forward(h)));
    }
}

/// <summary>ResNet-50 (torchvision <c>resnet50</c>: 25,557,032 parameters): bottleneck blocks, 3, 4, 6, 3 per stage.</summary>
[Network(Input = new[] { 3, InputSize.ResNet, InputSize.ResNet })]
public partial class ResNet50
{
    [Conv2D(64, Kernel = 7, Stride = 2, Padding = 3, Bias = false)] public partial Conv2D Conv1 { get; }
    [BatchNorm2D]                                                   public partial BatchNorm Bn1 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                         public partial Pool MaxPool { get; }
    public Sequential<Bottleneck> Layer1 { get; } = [new(64, downsample: true), new(64), new(64)];
    public Sequential<Bottleneck> Layer2 { get; } = [new(128, stride: 2, downsample: true), new(128), new(128), new(128)];
    public Sequential<Bottleneck> Layer3 { get; } = [new(256, stride: 2, downsample: true), new(256), new(256), new(256), new(256), new(256)];
    public Sequential<Bottleneck> Layer4 { get; } = [new(512, stride: 2, downsample: true), new(512), new(512)];
    [AdaptiveAvgPool2D(1, 1)]                                       public partial Pool AvgPool { get; }
    [Dense(1000)]                                                   public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var h = MaxPool.Forward(ReLU(Bn1.Forward(Conv1.Forward(x))));
        h = Layer4.Forward(Layer3.Forward(Layer2.Forward(Layer1.Forward(h))));
        return Fc.Forward(Flatten(AvgPool.Forward(h)));
    }
}
