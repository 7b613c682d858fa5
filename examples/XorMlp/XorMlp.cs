using DeepPsych.Dsl;

namespace Examples.Xor;

/// <summary>The PDP book's 2-2-1 network (Rumelhart, Hinton &amp; Williams, 1986): two sigmoid hidden units are enough
/// to separate XOR, which no single-layer perceptron can. Trained with mean squared error, as in the book.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
public partial class XorMlp
{
    [Dense(2, Activation = Act.Sigmoid)] public partial Dense Hidden { get; }
    [Dense(1, Activation = Act.Sigmoid)] public partial Dense Output { get; }
}
