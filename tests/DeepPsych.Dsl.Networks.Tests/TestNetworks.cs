using DeepPsych.Dsl;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>Every layer kind and the awkward options (odd sizes, non-square kernels, stride, dilation, groups, no bias,
/// padding excluded from averages), with smooth activations so finite differences are meaningful everywhere.</summary>
[Network(Input = new[] { 2, 9, 11 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Zoo
{
    [Conv2D(4, KernelH = 3, KernelW = 5, Stride = 2, PaddingH = 1, PaddingW = 2, Activation = Act.Tanh)] public partial Conv2D Wide { get; }
    [Conv2D(4, Kernel = 3, Padding = 2, Dilation = 2, Groups = 4, Bias = false, Activation = Act.Softplus)] public partial Conv2D Depthwise { get; }
    [Conv2D(6, Kernel = 1, Groups = 2, Activation = Act.Sigmoid)] public partial Conv2D Pointwise { get; }
    [AvgPool2D(3, Stride = 1, Padding = 1, CountIncludePad = false)] public partial Pool Smooth { get; }
    [LocalResponseNorm(Size = 4, Alpha = 0.5f, Beta = 0.75f, K = 2f)] public partial LocalResponseNorm Lrn { get; }
    [Activation(Act.LeakyReLU, LeakySlope = 0.1f)] public partial Activation Leaky { get; }
    [MaxPool2D(2, Stride = 1)] public partial Pool Down { get; }
    [AdaptiveAvgPool2D(3, 4)] public partial Pool Adaptive { get; }
    [Conv2D(5, Kernel = 2, Activation = Act.Tanh)] public partial Conv2D Mix { get; }
    [GlobalAvgPool] public partial Pool Global { get; }
    [Identity] public partial Identity Same { get; }
    [Flatten] public partial Flatten Flat { get; }
    [Dense(7, Bias = false, Activation = Act.Softplus)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>Mean squared error on a 2-D output, with dropout in the middle.</summary>
[Network(Input = new[] { 3, 6, 6 }, Loss = Loss.MeanSquaredError)]
public partial class Regressor
{
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.Tanh)] public partial Conv2D C1 { get; }
    [Dropout(0.3)] public partial Dropout Drop { get; }
    [Conv2D(2, Kernel = 2, Stride = 2)] public partial Conv2D C2 { get; }
}
