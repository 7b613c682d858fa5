using DeepPsych.Dsl;

namespace Examples.Playground;

// The playground's network, 2 inputs (x1, x2) → 8 → 8 → 2 classes, once per activation: in the DSL the activation is
// part of the declaration (the generator fuses it into the Dense layer and checks it at compile time), so choosing one
// on the command line picks one of these classes (Program.Networks).

/// <summary>2-8-8-2 with tanh.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PlaygroundTanh
{
    [Dense(8, Activation = Act.Tanh)] public partial Dense Hidden1 { get; }
    [Dense(8, Activation = Act.Tanh)] public partial Dense Hidden2 { get; }
    [Dense(2)]                        public partial Dense Output { get; }
}

/// <summary>2-8-8-2 with ReLU (He initialisation).</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PlaygroundReLU
{
    [Dense(8, Activation = Act.ReLU)] public partial Dense Hidden1 { get; }
    [Dense(8, Activation = Act.ReLU)] public partial Dense Hidden2 { get; }
    [Dense(2)]                        public partial Dense Output { get; }
}

/// <summary>2-8-8-2 with sigmoid.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PlaygroundSigmoid
{
    [Dense(8, Activation = Act.Sigmoid)] public partial Dense Hidden1 { get; }
    [Dense(8, Activation = Act.Sigmoid)] public partial Dense Hidden2 { get; }
    [Dense(2)]                           public partial Dense Output { get; }
}

/// <summary>2-8-8-2 with no activation: the whole network is one linear map.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PlaygroundLinear
{
    [Dense(8)] public partial Dense Hidden1 { get; }
    [Dense(8)] public partial Dense Hidden2 { get; }
    [Dense(2)] public partial Dense Output { get; }
}
