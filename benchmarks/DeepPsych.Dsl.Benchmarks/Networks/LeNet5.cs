using DeepPsych.Dsl;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>The benchmark's LeNet-5: the same declaration as examples/LeNet5.FashionMnist and the PyTorch peer.</summary>
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
