namespace DeepPsych.Dsl.Testing.Tests.Examples;

/// <summary>The XOR network of the README: 2 → 2 sigmoid → 1 sigmoid, mean squared error.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
public partial class XorMlp
{
    [Dense(2, Activation = Act.Sigmoid)] public partial Dense Hidden { get; }
    [Dense(1, Activation = Act.Sigmoid)] public partial Dense Output { get; }
}

/// <summary>LeNet-5 with ReLU and max-pooling, as in the README.</summary>
[Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class LeNet5
{
    [Conv2D(6, Kernel = 5, Padding = 2, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [MaxPool2D(2)] public partial Pool S2 { get; }
    [Conv2D(16, Kernel = 5, Activation = Act.ReLU)] public partial Conv2D C3 { get; }
    [MaxPool2D(2)] public partial Pool S4 { get; }
    [Dense(120, Activation = Act.ReLU)] public partial Dense F5 { get; }
    [Dense(84, Activation = Act.ReLU)] public partial Dense F6 { get; }
    [Dense(10)] public partial Dense Output { get; }
}
