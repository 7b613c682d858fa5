using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace DeepPsych.Dsl.TestNetworks;

/// <summary>A residual block: Stem's output feeds both the body and the '+', so its gradient is the sum of two.
/// Smooth activations keep finite differences meaningful.</summary>
[Network(Input = new[] { 2, 6, 6 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Residual
{
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.Tanh)] public partial Conv2D Stem { get; }
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.Softplus)] public partial Conv2D Body1 { get; }
    [Conv2D(4, Kernel = 3, Padding = 1)] public partial Conv2D Body2 { get; }
    [GlobalAvgPool] public partial Pool Pool { get; }
    [Dense(3)] public partial Dense Logits { get; }

    public Tensor Forward(Tensor x)
    {
        var h = Stem.Forward(x);
        var r = Body2.Forward(Body1.Forward(h));
        return Logits.Forward(Flatten(Pool.Forward(Tanh(h + r))));
    }
}

/// <summary>An inception-style module: four branches of different depths concatenated along channels.</summary>
[Network(Input = new[] { 3, 5, 5 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Inception
{
    [Conv2D(2, Kernel = 1, Activation = Act.Tanh)] public partial Conv2D Branch1 { get; }
    [Conv2D(2, Kernel = 1, Activation = Act.Tanh)] public partial Conv2D Reduce3 { get; }
    [Conv2D(3, Kernel = 3, Padding = 1)] public partial Conv2D Branch3 { get; }
    [Conv2D(2, Kernel = 5, Padding = 2, Activation = Act.Sigmoid)] public partial Conv2D Branch5 { get; }
    [AvgPool2D(3, Stride = 1, Padding = 1)] public partial Pool PoolProj { get; }
    [Conv2D(1, Kernel = 1)] public partial Conv2D BranchPool { get; }
    [GlobalAvgPool] public partial Pool Global { get; }
    [Dense(3)] public partial Dense Logits { get; }

    public Tensor Forward(Tensor x) => Logits.Forward(Global.Forward(Concat(
        Branch1.Forward(x),
        Softplus(Branch3.Forward(Reduce3.Forward(x))),
        Branch5.Forward(x),
        BranchPool.Forward(PoolProj.Forward(x)))));
}
