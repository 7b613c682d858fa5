using DeepPsych.Dsl;

namespace Examples.VanishingGradients;

// Three ten-layer MLPs that differ only in activation and initialisation. The generator warns about the first at compile
// time (DPD0009: ten sigmoids in a row bound the gradient reaching H1 by 0.25^10); the program measures what it warned of.

/// <summary>Ten sigmoid layers, Xavier/Glorot uniform initialisation (the DSL's default for sigmoid).</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class DeepSigmoid
{
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H1 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H2 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H3 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H4 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H5 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H6 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H7 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H8 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H9 { get; }
    [Dense(32, Activation = Act.Sigmoid)] public partial Dense H10 { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>The same with ReLU, but still Xavier/Glorot initialisation (variance 2/(fan_in + fan_out) = 1/32: each
/// ReLU layer halves the signal's second moment, so it shrinks by 2^-10 on the way through).</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class DeepReluXavier
{
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H1 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H2 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H3 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H4 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H5 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H6 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H7 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H8 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H9 { get; }
    [Dense(32, Activation = Act.ReLU, Init = Init.Xavier)] public partial Dense H10 { get; }
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>ReLU with He initialisation (variance 2/fan_in, the DSL's default for ReLU): the halving is compensated and
/// the signal and the gradient keep their size through all ten layers (He et al. 2015).</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class DeepReluHe
{
    [Dense(32, Activation = Act.ReLU)] public partial Dense H1 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H2 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H3 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H4 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H5 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H6 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H7 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H8 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H9 { get; }
    [Dense(32, Activation = Act.ReLU)] public partial Dense H10 { get; }
    [Dense(2)] public partial Dense Output { get; }
}
