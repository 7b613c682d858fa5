using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace DeepPsych.Dsl.TestNetworks;

/// <summary>BatchNorm2D after a bias-free convolution and BatchNorm1D after a Dense layer: two batch-coupling layers, so
/// the CPU pass runs in three stages forward and three backward. No bias before a BatchNorm (its gradient is exactly 0). Smooth activations keep finite differences meaningful.</summary>
[Network(Input = new[] { 2, 4, 6 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Normalized
{
    [Conv2D(3, Kernel = 3, Padding = 1, Bias = false)] public partial Conv2D Conv { get; }
    [BatchNorm2D] public partial BatchNorm Bn { get; }
    [Activation(Act.Softplus)] public partial Activation Soft { get; }
    [AvgPool2D(2)] public partial Pool Pool { get; }
    [Dense(5, Bias = false)] public partial Dense Hidden { get; }
    [BatchNorm1D(Momentum = 0.2f, Epsilon = 1e-3f)] public partial BatchNorm Bn1d { get; }
    [Activation(Act.Tanh)] public partial Activation Squash { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>The edges: a BatchNorm2D without γ, β straight on the network input (the first stage holds only its partial
/// statistics, and nothing upstream needs its dL/dx), and a BatchNorm1D without γ, β with a small momentum.</summary>
[Network(Input = new[] { 3, 4, 4 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class NormalizedPlain
{
    [BatchNorm2D(Affine = false)] public partial BatchNorm InputNorm { get; }
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.Tanh)] public partial Conv2D Conv { get; }
    [GlobalAvgPool] public partial Pool Pool { get; }
    [Dense(6, Bias = false)] public partial Dense Hidden { get; }
    [BatchNorm1D(Momentum = 0.01f, Affine = false)] public partial BatchNorm Norm { get; }
    [Dense(3)] public partial Dense Logits { get; }
}

/// <summary>Convolution, BatchNorm and activation as a reusable block (torchvision's conv-bn-relu), used twice: the
/// buffers take the block path as PyTorch's state_dict does (<c>Layer1.0.Bn.running_mean</c>).</summary>
[Block]
public partial class ConvBnUnit(int planes)
{
    [Conv2D(Kernel = 3, Padding = 1, Bias = false, Bind = "OutChannels = planes")] public partial Conv2D Conv { get; }
    [BatchNorm2D] public partial BatchNorm Bn { get; }

    public Tensor Forward(Tensor x) => Softplus(Bn.Forward(Conv.Forward(x)));
}

/// <summary>Two <see cref="ConvBnUnit"/>s in a row, then the head.</summary>
[Network(Input = new[] { 2, 4, 4 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class NormalizedBlocks
{
    public Sequential<ConvBnUnit> Layer1 { get; } = [new(3), new(3)];
    [GlobalAvgPool] public partial Pool AvgPool { get; }
    [Dense(3)] public partial Dense Fc { get; }

    public Tensor Forward(Tensor x) => Fc.Forward(Flatten(AvgPool.Forward(Layer1.Forward(x))));
}

/// <summary>BatchNorms an inference snapshot must not fold, beside one it must: Bn1 reads a convolution with a fused
/// activation (not affine), Bn2 reads a convolution whose output the Add reads too (the folded layer could not write
/// Bn2's output in its place), Bn3 (without γ, β) reads a convolution with a bias that nothing else reads (folds).</summary>
[Network(Input = new[] { 2, 5, 5 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PartlyFoldable
{
    [Conv2D(3, Kernel = 3, Padding = 1, Activation = Act.Tanh)] public partial Conv2D Conv1 { get; }
    [BatchNorm2D] public partial BatchNorm Bn1 { get; }
    [Conv2D(3, Kernel = 3, Padding = 1, Bias = false)] public partial Conv2D Conv2 { get; }
    [BatchNorm2D] public partial BatchNorm Bn2 { get; }
    [Conv2D(4, Kernel = 1)] public partial Conv2D Conv3 { get; }
    [BatchNorm2D(Affine = false)] public partial BatchNorm Bn3 { get; }
    [GlobalAvgPool] public partial Pool Pool { get; }
    [Dense(3)] public partial Dense Fc { get; }

    public Tensor Forward(Tensor x)
    {
        var c2 = Conv2.Forward(Bn1.Forward(Conv1.Forward(x)));
        return Fc.Forward(Flatten(Pool.Forward(Bn3.Forward(Conv3.Forward(Bn2.Forward(c2) + c2)))));
    }
}
