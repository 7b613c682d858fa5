using DeepPsych.Dsl;

// After the pool the data is 4x4x4: a 5x5 kernel does not fit.
[Network(Input = new[] { 1, 8, 8 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class TooBigKernel
{
    [Conv2D(4, Kernel = 3, Padding = 1)] public partial Conv2D C1 { get; }
    [MaxPool2D(2)]                       public partial Pool   S2 { get; }
    [Conv2D(8, Kernel = 5)]              public partial Conv2D C3 { get; }
    [Dense(3)]                           public partial Dense  Output { get; }
}
