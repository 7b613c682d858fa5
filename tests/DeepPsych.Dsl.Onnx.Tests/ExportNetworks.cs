using DeepPsych.Dsl;

namespace DeepPsych.Dsl.Onnx.Tests;

/// <summary>Every layer kind and option with an ONNX form, in one network: a grouped, dilated, padded convolution with
/// a fused LeakyReLU, LRN (odd size), max and average pooling with padding (average without the padding in its count),
/// adaptive pooling with overlapping bins (the MatMul form), dropout, standalone activations, Flatten, Identity, and
/// dense layers with and without bias.</summary>
[Network(Input = new[] { 4, 11, 11 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class EveryKind
{
    [Conv2D(6, Kernel = 3, Padding = 2, Dilation = 2, Groups = 2, Activation = Act.LeakyReLU, LeakySlope = 0.1f)] public partial Conv2D C1 { get; }
    [LocalResponseNorm(Size = 3, Alpha = 0.5f, Beta = 0.75f, K = 2f)] public partial LocalResponseNorm N1 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                          public partial Pool P1 { get; }
    [AvgPool2D(3, Stride = 1, Padding = 1, CountIncludePad = false)] public partial Pool P2 { get; }
    [AdaptiveAvgPool2D(4, 4)]                                        public partial Pool A1 { get; }
    [Dropout(0.5)]                                                   public partial Dropout D1 { get; }
    [Activation(Act.Sigmoid)]                                        public partial Activation S1 { get; }
    [Flatten]                                                        public partial Flatten F1 { get; }
    [Dense(8, Activation = Act.Softplus)]                            public partial Dense H1 { get; }
    [Identity]                                                       public partial Identity I1 { get; }
    [Activation(Act.Tanh)]                                           public partial Activation T1 { get; }
    [Dense(5, Bias = false)]                                         public partial Dense Out { get; }
}

/// <summary>Adaptive pooling whose bins tile the input (a plain AveragePool in ONNX), a count-including average pool,
/// a Dense over an image (flattened first) with a fused Step (Relu(Sign(z)) in ONNX), and a ReLU convolution without bias.</summary>
[Network(Input = new[] { 3, 8, 8 }, Loss = Loss.MeanSquaredError)]
public partial class TiledPools
{
    [Conv2D(4, Kernel = 1, Bias = false, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [AvgPool2D(2, Stride = 1, Padding = 1)]                      public partial Pool P1 { get; }
    [AdaptiveAvgPool2D(3, 9)]                                    public partial Pool A1 { get; }
    [Dense(6, Activation = Act.Step)]                            public partial Dense H1 { get; }
    [Dense(2)]                                                   public partial Dense Out { get; }
}

/// <summary>The window options in ONNX's own terms: per-side pads on a convolution and an average pool (pads = top, left,
/// bottom, right), ceil_mode on a max pool and an average pool (whose last column window runs past the input: the
/// count_include_pad divisor counts only cells inside input + pads), and a LogSoftmax output.</summary>
[Network(Input = new[] { 3, 9, 8 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class WindowOptions
{
    [Conv2D(4, Kernel = 3, PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [MaxPool2D(3, Stride = 2, CeilMode = true)]                                                          public partial Pool P1 { get; }
    [AvgPool2D(2, Stride = 2, PadTop = 1, CeilMode = true)]                                              public partial Pool P2 { get; }
    [Dense(3)]                                                                                           public partial Dense Out { get; }
    [LogSoftmax]                                                                                         public partial Activation LogP { get; }
}

/// <summary>LRN with an even size: ONNX centres that window differently from PyTorch, so export must refuse it.</summary>
[Network(Input = new[] { 4, 3, 3 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class EvenLrn
{
    [LocalResponseNorm(Size = 4)] public partial LocalResponseNorm N1 { get; }
    [Dense(2)]                    public partial Dense Out { get; }
}

/// <summary>A spatial pyramid whose levels mix regular and irregular bins on a 10 × 7 map: level 5 tiles the rows (one
/// MaxPool along them) but not the columns, 4 and 3 divide neither side (bins overlapping by a cell, sliced one by one),
/// 1 is a global max; before it a BatchNorm2D after a convolution and, after it, a BatchNorm1D on the pooled vector.</summary>
[Network(Input = new[] { 2, 10, 7 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class OverlappingPyramid
{
    [Conv2D(3, Kernel = 3, Padding = 1, Bias = false)]  public partial Conv2D C1 { get; }
    [BatchNorm2D(Epsilon = 1e-3f)]                      public partial BatchNorm N1 { get; }
    [SpatialPyramidPool(Levels = new[] { 5, 4, 3, 1 })] public partial Pool Spp { get; }
    [BatchNorm1D(Affine = false)]                       public partial BatchNorm N2 { get; }
    [Dense(4)]                                          public partial Dense Out { get; }
}
