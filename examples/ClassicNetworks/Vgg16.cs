using DeepPsych.Dsl;

namespace Examples.ClassicNetworks;

/// <summary>VGG-16 (configuration D) of K. Simonyan and A. Zisserman, "Very Deep Convolutional Networks for Large-Scale
/// Image Recognition" (2014), as torchvision's <c>vgg16</c>: thirteen 3×3 convolutions in five stages of 64, 128, 256,
/// 512 and 512 channels, each stage closed by a 2×2 max pool, then a 7×7 adaptive average pool and three dense layers.
/// 138,357,544 parameters, as <c>sum(p.numel() for p in torchvision.models.vgg16().parameters())</c>.</summary>
/// <remarks>Properties are named after torchvision's module paths (<c>features.0</c> → <c>Features_0</c>); the ReLUs,
/// torchvision's odd-numbered feature modules and <c>classifier.1</c>/<c>.4</c>, are fused into the layer before them.</remarks>
[Network(Input = new[] { 3, InputSize.Vgg16, InputSize.Vgg16 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Vgg16
{
    [Conv2D(64, Kernel = 3, Padding = 1, Activation = Act.ReLU)]  public partial Conv2D  Features_0 { get; }
    [Conv2D(64, Kernel = 3, Padding = 1, Activation = Act.ReLU)]  public partial Conv2D  Features_2 { get; }
    [MaxPool2D(2)]                                                public partial Pool    Features_4 { get; }
    [Conv2D(128, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_5 { get; }
    [Conv2D(128, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_7 { get; }
    [MaxPool2D(2)]                                                public partial Pool    Features_9 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_10 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_12 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_14 { get; }
    [MaxPool2D(2)]                                                public partial Pool    Features_16 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_17 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_19 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_21 { get; }
    [MaxPool2D(2)]                                                public partial Pool    Features_23 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_24 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_26 { get; }
    [Conv2D(512, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D  Features_28 { get; }
    [MaxPool2D(2)]                                                public partial Pool    Features_30 { get; }
    [AdaptiveAvgPool2D(7, 7)]                                     public partial Pool    Avgpool { get; }
    [Dense(4096, Activation = Act.ReLU)]                          public partial Dense   Classifier_0 { get; }
    [Dropout(0.5)]                                                public partial Dropout Classifier_2 { get; }
    [Dense(4096, Activation = Act.ReLU)]                          public partial Dense   Classifier_3 { get; }
    [Dropout(0.5)]                                                public partial Dropout Classifier_5 { get; }
    [Dense(1000)]                                                 public partial Dense   Classifier_6 { get; }
}
