using DeepPsych.Dsl;

namespace MyNet;

/// <summary>A small convolutional network for 28×28 grey-scale images. The generator checks every shape at compile
/// time (try Kernel = 30 on Conv2: error DPD0003 names the shapes and the fix) and writes the forward and backward
/// passes; <c>Summary()</c> prints the layer table.</summary>
[Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class FashionCnn
{
    [Conv2D(8, Kernel = 3, Padding = 1, Activation = Act.ReLU)]  public partial Conv2D Conv1 { get; }   // 8x28x28
    [MaxPool2D(2)]                                                public partial Pool   Pool1 { get; }   // 8x14x14
    [Conv2D(16, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D Conv2 { get; }   // 16x14x14
    [MaxPool2D(2)]                                                public partial Pool   Pool2 { get; }   // 16x7x7
    [Dense(64, Activation = Act.ReLU)]                            public partial Dense  Hidden { get; }  // 64
    [Dense(10)]                                                   public partial Dense  Output { get; }  // 10 classes
}
