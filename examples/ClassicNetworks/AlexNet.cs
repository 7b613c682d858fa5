using DeepPsych.Dsl;

namespace Examples.ClassicNetworks;

/// <summary>AlexNet as torchvision's <c>alexnet</c>: the single-GPU variant of A. Krizhevsky, "One weird trick for
/// parallelizing convolutional neural networks" (2014), which torchvision follows rather than the 2012 paper
/// (64/192 filters instead of 96/256, no LRN, no groups; see <see cref="AlexNet2012"/> for the paper's layout).
/// 61,100,840 parameters, as <c>sum(p.numel() for p in torchvision.models.alexnet().parameters())</c>.</summary>
/// <remarks>Each property is named after torchvision's module path (<c>features.0</c> → <c>Features_0</c>; the ReLUs
/// that torchvision counts as modules 1, 4, 7, 9, 11, 2 and 5 are fused into the layer before them), so a torchvision
/// <c>state_dict</c> loads by <see cref="DeepPsych.Dsl.Checkpoints.PyTorchNames"/> without a mapping table.</remarks>
[Network(Input = new[] { 3, InputSize.AlexNet, InputSize.AlexNet }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class AlexNet
{
    // DPD0005, accepted: torchvision's 11×11 stride 4 on the padded 228×228 input never reads its last row and column.
    [Conv2D(64, Kernel = 11, Stride = 4, Padding = 2, Activation = Act.ReLU)] public partial Conv2D  Features_0 { get; }
    [MaxPool2D(3, Stride = 2)]                                               public partial Pool    Features_2 { get; }
    [Conv2D(192, Kernel = 5, Padding = 2, Activation = Act.ReLU)]            public partial Conv2D  Features_3 { get; }
    [MaxPool2D(3, Stride = 2)]                                               public partial Pool    Features_5 { get; }
    [Conv2D(384, Kernel = 3, Padding = 1, Activation = Act.ReLU)]            public partial Conv2D  Features_6 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)]            public partial Conv2D  Features_8 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)]            public partial Conv2D  Features_10 { get; }
    [MaxPool2D(3, Stride = 2)]                                               public partial Pool    Features_12 { get; }
    [AdaptiveAvgPool2D(6, 6)]                                                public partial Pool    Avgpool { get; }
    [Dropout(0.5)]                                                           public partial Dropout Classifier_0 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                     public partial Dense   Classifier_1 { get; }
    [Dropout(0.5)]                                                           public partial Dropout Classifier_3 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                     public partial Dense   Classifier_4 { get; }
    [Dense(1000)]                                                            public partial Dense   Classifier_6 { get; }
}
