// Also compiled into the generator as linked source (see its .csproj): names, defaults and formulas written once.
using System;

namespace DeepPsych.Dsl;

/// <summary>Declares a partial class as a network. The generator reads its attributed <c>partial</c> properties in
/// declaration order as the layers, checks every shape at compile time and emits forward, backward, parameters and a summary.</summary>
/// <example><code>
/// [Network(Input = new[] { 1, 28, 28 }, Loss = Loss.SoftmaxCrossEntropy)]
/// public partial class LeNet5
/// {
///     [Conv2D(6, Kernel = 5, Padding = 2, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
///     [MaxPool2D(2)]                                              public partial Pool   S2 { get; }
///     ...
/// }
/// </code></example>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The shape of one input sample: <c>{ channels, height, width }</c> for images or <c>{ features }</c> for vectors.</summary>
    public int[]? Input { get; set; }

    /// <summary>The training loss. Default: softmax + cross-entropy.</summary>
    public Loss Loss { get; set; } = Loss.SoftmaxCrossEntropy;

    /// <summary>Per-class weights of <see cref="Loss.SoftmaxCrossEntropy"/>, one per class (PyTorch's <c>CrossEntropyLoss(weight=...)</c>):
    /// sample n's loss is multiplied by <c>ClassWeights[labelₙ]</c> and the batch mean divides by the sum of those weights
    /// (<c>reduction='mean'</c>), not by the batch size. Null (default): every class weighs 1.</summary>
    public float[]? ClassWeights { get; set; }

    /// <summary>A label value whose samples <see cref="Loss.SoftmaxCrossEntropy"/> skips (PyTorch's <c>ignore_index</c>, default −100):
    /// they add no loss and no gradient and do not count in the mean. Takes effect when declared (or with
    /// <see cref="ClassWeights"/>); otherwise every label must be a class in [0, classes).</summary>
    public int IgnoreIndex { get; set; } = -100;
}

/// <summary>Base of every layer attribute.</summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>In a <see cref="BlockAttribute">[Block]</see> class: options taken from the block's constructor
    /// parameters, e.g. <c>"OutChannels = planes * 4, Stride = stride"</c> (option names as the attribute's; values are
    /// the parameters with integer <c>+ - * /</c> and parentheses). The generator evaluates them for every use of the
    /// block; a bound option overrides the one written in the attribute. See docs/graphs.md.</summary>
    public string? Bind { get; set; }
}

/// <summary>Declares a partial class as a reusable block of layers: its attributed layer properties and its own
/// <c>Tensor Forward(Tensor x)</c>, used by a network (or another block) through a property initialised with
/// <c>new(...)</c>, as <c>public BasicBlock Layer1 { get; } = new(planes: 64);</c>, or repeated in a
/// <c>Sequential&lt;TBlock&gt;</c>. The constructor's parameters size the block: layer options name them in
/// <see cref="LayerAttribute.Bind"/>, and a <c>bool</c> parameter may choose a path in <c>Forward</c>
/// (<c>downsample ? Down.Forward(x) : x</c>). The generator inlines the block's graph at each use, its layers named
/// by the path (<c>Layer1.0.Conv1.weight</c>, PyTorch's state-dict nesting).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class BlockAttribute : Attribute
{
}

/// <summary>Base of the sliding-window layers (Conv2D, MaxPool2D, AvgPool2D): ONNX-style per-side padding. Declaring any
/// side replaces the symmetric padding (sides not declared are 0); declaring a side and the symmetric <c>Padding</c>
/// (or Conv2D's <c>PaddingH</c>/<c>PaddingW</c>) on one layer is an error (DPD0060). ONNX's <c>pads</c> = [top, left, bottom, right].</summary>
public abstract class WindowAttribute : LayerAttribute
{
    /// <summary>Padding above; -1 means not declared.</summary>
    public int PadTop { get; set; } = -1;
    /// <summary>Padding on the left; -1 means not declared.</summary>
    public int PadLeft { get; set; } = -1;
    /// <summary>Padding below; -1 means not declared.</summary>
    public int PadBottom { get; set; } = -1;
    /// <summary>Padding on the right; -1 means not declared.</summary>
    public int PadRight { get; set; } = -1;
}

/// <summary>2-D convolution over NCHW input with OIHW weights, as PyTorch's <c>nn.Conv2d</c>.
/// Output size per axis: ⌊(in + pad before + pad after − dilation·(kernel − 1) − 1) / stride⌋ + 1.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class Conv2DAttribute(int outChannels) : WindowAttribute
{
    /// <summary>For a block whose output channels come from <see cref="LayerAttribute.Bind"/> (<c>"OutChannels = planes"</c>).</summary>
    public Conv2DAttribute() : this(0) { }

    /// <summary>Number of output channels (filters).</summary>
    public int OutChannels { get; } = outChannels;
    /// <summary>Square kernel size. Overridden per axis by <see cref="KernelH"/> / <see cref="KernelW"/>.</summary>
    public int Kernel { get; set; } = 3;
    /// <summary>Kernel height; 0 means <see cref="Kernel"/>.</summary>
    public int KernelH { get; set; }
    /// <summary>Kernel width; 0 means <see cref="Kernel"/>.</summary>
    public int KernelW { get; set; }
    /// <summary>Stride on both axes.</summary>
    public int Stride { get; set; } = 1;
    /// <summary>Symmetric zero padding on both axes. Overridden per axis by <see cref="PaddingH"/> / <see cref="PaddingW"/>.</summary>
    public int Padding { get; set; }
    /// <summary>Padding top and bottom; -1 means <see cref="Padding"/>.</summary>
    public int PaddingH { get; set; } = -1;
    /// <summary>Padding left and right; -1 means <see cref="Padding"/>.</summary>
    public int PaddingW { get; set; } = -1;
    /// <summary>Spacing between kernel taps.</summary>
    public int Dilation { get; set; } = 1;
    /// <summary>Channel groups; in and out channels must both divide by it. Groups = in channels is a depthwise convolution.</summary>
    public int Groups { get; set; } = 1;
    /// <summary>Whether the layer has a bias per output channel.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Activation fused into this layer's forward and backward.</summary>
    public Act Activation { get; set; } = Act.None;
    /// <summary>α of <see cref="Act.LeakyReLU"/>.</summary>
    public float LeakySlope { get; set; } = 0.01f;
    /// <summary>Weight initialisation.</summary>
    public Init Init { get; set; } = Init.Auto;
}

/// <summary>Fully connected layer: y = x·Wᵀ + b with W stored [out, in], as PyTorch's <c>nn.Linear</c>.
/// Input of any rank is flattened first.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DenseAttribute(int units) : LayerAttribute
{
    /// <summary>For a block whose width comes from <see cref="LayerAttribute.Bind"/> (<c>"Units = classes"</c>).</summary>
    public DenseAttribute() : this(0) { }

    /// <summary>Number of outputs.</summary>
    public int Units { get; } = units;
    /// <summary>Whether the layer has a bias.</summary>
    public bool Bias { get; set; } = true;
    /// <summary>Activation fused into this layer.</summary>
    public Act Activation { get; set; } = Act.None;
    /// <summary>α of <see cref="Act.LeakyReLU"/>.</summary>
    public float LeakySlope { get; set; } = 0.01f;
    /// <summary>Weight initialisation.</summary>
    public Init Init { get; set; } = Init.Auto;
}

/// <summary>What the 2-D pools share: a square window, its stride and padding, and PyTorch's ceil_mode.</summary>
public abstract class Pool2DAttribute(int kernel) : WindowAttribute
{
    /// <summary>Square window size.</summary>
    public int Kernel { get; } = kernel;
    /// <summary>Stride; 0 means the kernel size.</summary>
    public int Stride { get; set; }
    /// <summary>Symmetric padding; at most half the kernel (each of PadTop/PadLeft/PadBottom/PadRight too).</summary>
    public int Padding { get; set; }
    /// <summary>PyTorch's <c>ceil_mode</c>: output ⌈(in + pads − kernel) / stride⌉ + 1 instead of ⌊…⌋ + 1, so a last partial window
    /// covers the rest of the input (torchvision's GoogLeNet), except that a window starting in the bottom/right padding is
    /// dropped. Default false.</summary>
    public bool CeilMode { get; set; }
}

/// <summary>Max pooling. Padded positions count as −∞, as in PyTorch.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class MaxPool2DAttribute(int kernel) : Pool2DAttribute(kernel)
{
}

/// <summary>Average pooling.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class AvgPool2DAttribute(int kernel) : Pool2DAttribute(kernel)
{
    /// <summary>Whether padded zeros count in the divisor (PyTorch's <c>count_include_pad</c>, default true). With CeilMode a
    /// last window that runs past the padding divides by its cells inside input + padding, as PyTorch.</summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>Global average pooling: C×H×W → C.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class GlobalAvgPoolAttribute : LayerAttribute
{
}

/// <summary>Local response normalisation across channels (AlexNet's; PyTorch's <c>nn.LocalResponseNorm(size, alpha, beta, k)</c>):
/// y[c] = x[c] / (K + Alpha/Size · Σ x[c']²)^Beta over the channels c' ∈ [c − ⌊Size/2⌋, c + ⌊(Size−1)/2⌋] that exist, at each
/// position. C×H×W → C×H×W; no parameters. AlexNet: <c>[LocalResponseNorm(Size = 5, Alpha = 1e-4f, Beta = 0.75f, K = 2f)]</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LocalResponseNormAttribute : LayerAttribute
{
    /// <summary>Channels in the window (at least 1; AlexNet's 5).</summary>
    public int Size { get; set; } = 5;
    /// <summary>α, multiplies the window's mean square (PyTorch default 1e-4).</summary>
    public float Alpha { get; set; } = 1e-4f;
    /// <summary>β, the exponent (PyTorch default 0.75).</summary>
    public float Beta { get; set; } = 0.75f;
    /// <summary>k, the additive constant; must be positive (PyTorch default 1; AlexNet uses 2).</summary>
    public float K { get; set; } = 1f;
}

/// <summary>The options BatchNorm2D and BatchNorm1D share (their defaults are written once, here).</summary>
public abstract class BatchNormAttribute : LayerAttribute
{
    /// <summary>ε added to the variance (PyTorch default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;
    /// <summary>Running-statistics momentum, PyTorch's meaning: the weight of the NEW batch value (default 0.1).</summary>
    public float Momentum { get; set; } = 0.1f;
    /// <summary>Learn γ and β (PyTorch's <c>affine=True</c>).</summary>
    public bool Affine { get; set; } = true;
}

/// <summary>Batch normalisation of a C×H×W input per channel (PyTorch's <c>nn.BatchNorm2d(C, eps, momentum, affine)</c>).
/// Training (<c>ComputeGradients</c>): x̂ = (x − μ_B)/√(σ²_B + ε) with the whole batch's mean and BIASED variance per
/// channel (over N·H·W), y = γ·x̂ + β; the running statistics move as r ← (1 − Momentum)·r + Momentum·batch value, the
/// running variance taking the UNBIASED batch variance, and <c>num_batches_tracked</c> counts the steps. Inference
/// (<c>Forward</c>): y = γ (x − running mean)/√(running var + ε) + β. Parameters <c>weight</c> (γ, starts at 1) and
/// <c>bias</c> (β, starts at 0) when <see cref="BatchNormAttribute.Affine"/>; buffers <c>running_mean</c> (0),
/// <c>running_var</c> (1), <c>num_batches_tracked</c> (int64), as PyTorch's <c>state_dict</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class BatchNorm2DAttribute : BatchNormAttribute
{
}

/// <summary>Batch normalisation of a C (features) or C×L input per channel (PyTorch's <c>nn.BatchNorm1d</c>): as
/// <see cref="BatchNorm2DAttribute"/>, with the statistics over N (or N·L). Typically after a Dense layer.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class BatchNorm1DAttribute : BatchNormAttribute
{
}

/// <summary>Adaptive average pooling: C×H×W → C×OutHeight×OutWidth, output (i, j) the mean of x over rows
/// [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and columns [⌊j·W/OW⌋, ⌈(j+1)·W/OW⌉) (bins may overlap when OH ∤ H). PyTorch's
/// <c>nn.AdaptiveAvgPool2d((outHeight, outWidth))</c>, e.g. torchvision's AlexNet (6, 6) and VGG (7, 7) heads.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class AdaptiveAvgPool2DAttribute(int outHeight, int outWidth) : LayerAttribute
{
    /// <summary>Output height OH (at least 1; may exceed the input height).</summary>
    public int OutHeight { get; } = outHeight;
    /// <summary>Output width OW (at least 1; may exceed the input width).</summary>
    public int OutWidth { get; } = outWidth;
}

/// <summary>Spatial pyramid pooling (He et al. 2014, SPP-net): C×H×W → the vector C·Σn². For each level n the input is max-pooled
/// into n×n bins (rows [⌊i·H/n⌋, ⌈(i+1)·H/n⌉), columns likewise: PyTorch's <c>adaptive_max_pool2d</c>), and the levels are
/// concatenated, each laid out C×n×n: <c>torch.cat([F.adaptive_max_pool2d(x, n).flatten(1) for n in levels], 1)</c>. Every level
/// must fit the input (n ≤ H and n ≤ W). Property type <c>Pool</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class SpatialPyramidPoolAttribute : LayerAttribute
{
    /// <summary>Bins per side of each level, in output order (the paper's {4, 2, 1}, or {6, 3, 2, 1}).</summary>
    public int[] Levels { get; set; } = new[] { 4, 2, 1 };
}

/// <summary>Flattens C×H×W to one vector. Optional: a Dense layer flattens its input itself.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class FlattenAttribute : LayerAttribute
{
}

/// <summary>A standalone element-wise activation.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ActivationAttribute(Act function) : LayerAttribute
{
    /// <summary>The activation function.</summary>
    public Act Function { get; } = function;
    /// <summary>α of <see cref="Act.LeakyReLU"/>.</summary>
    public float LeakySlope { get; set; } = 0.01f;
}

/// <summary>Softmax over the class vector: y_k = e^{x_k} / Σ_j e^{x_j} (stable), probabilities for inference (PyTorch's
/// <c>nn.Softmax(dim=1)</c>). Needs a vector input (after Dense). Not in front of <c>Loss.SoftmaxCrossEntropy</c>, which
/// applies its own softmax (DPD0062): declare <see cref="LogSoftmaxAttribute"/> there instead, or no output layer.
/// Property type <c>Activation</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class SoftmaxAttribute : LayerAttribute
{
}

/// <summary>Log-softmax over the class vector: y_k = x_k − log Σ_j e^{x_j} (stable), log-probabilities (PyTorch's
/// <c>nn.LogSoftmax(dim=1)</c>). In front of <c>Loss.SoftmaxCrossEntropy</c> it is PyTorch's <c>log_softmax</c> +
/// <c>nll_loss</c>: the same loss and gradient as the logits alone (softmax ignores the shift by log Σ e^x), and
/// <c>Forward</c> returns log-probabilities. Property type <c>Activation</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class LogSoftmaxAttribute : LayerAttribute
{
}

/// <summary>Inverted dropout: during training each element is zeroed with probability <c>rate</c> and the rest are
/// scaled by 1 / (1 − rate); at inference it is the identity. The mask is a pure function of (seed, step, element).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DropoutAttribute(double rate) : LayerAttribute
{
    /// <summary>Probability of dropping an element, in [0, 1).</summary>
    public double Rate { get; } = rate;
}

/// <summary>The identity, y = x, on any shape (PyTorch's <c>nn.Identity</c>): a named point in the network that costs
/// nothing (a view, no copy). Declared with the <see cref="Identity"/> property type.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class IdentityAttribute : LayerAttribute
{
}
