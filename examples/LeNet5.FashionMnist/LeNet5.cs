using DeepPsych.Dsl;

namespace Examples.FashionMnist;

/// <summary>LeNet-5 (LeCun et al., 1998) as in the lecture, with the modern ReLU and max pooling, for 28×28 images.
/// C1 is padded by 2 so that 28×28 inputs give the original 28×28 → 14×14 → 10×10 → 5×5 maps.</summary>
[Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class LeNet5
{
    [Conv2D(6, Kernel = 5, Padding = 2, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [MaxPool2D(2)]                                              public partial Pool   S2 { get; }
    [Conv2D(16, Kernel = 5, Activation = Act.ReLU)]             public partial Conv2D C3 { get; }
    [MaxPool2D(2)]                                              public partial Pool   S4 { get; }
    [Dense(120, Activation = Act.ReLU)]                         public partial Dense  F5 { get; }
    [Dense(84, Activation = Act.ReLU)]                          public partial Dense  F6 { get; }
    [Dense(10)]                                                 public partial Dense  Output { get; }
}
