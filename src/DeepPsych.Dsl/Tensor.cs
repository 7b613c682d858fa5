namespace DeepPsych.Dsl;

/// <summary>
/// A value in a network's <c>Tensor Forward(Tensor x)</c> method: the network input, a layer's output, a residual sum or
/// a concatenation. It is symbolic. The source generator reads the body of <c>Forward</c> at build time and turns it into
/// the network's graph (shapes checked, forward and backward emitted); the method itself never runs, so a
/// <see cref="Tensor"/> holds no data and every operation on one throws at run time. Write the graph as PyTorch's
/// <c>forward</c>: <c>var a = Conv1.Forward(x); return ReLU(a + x);</c> (see docs/graphs.md).
/// </summary>
public readonly struct Tensor
{
    /// <summary>The residual sum: element-wise <c>a + b</c> of two values of the same shape (gradient: dL/dy to both).</summary>
    public static Tensor operator +(Tensor a, Tensor b) => throw Symbolic("+");

    internal static System.NotSupportedException Symbolic(string what) => new(
        $"Tensor is symbolic: '{what}' only describes a network's graph in its Forward(Tensor) method, which the DeepPsych.Dsl " +
        "generator reads at build time. Run the network with Forward(input, output, batch) instead.");
}

/// <summary>
/// The functions of a <c>Forward(Tensor)</c> body, named as PyTorch's <c>torch.nn.functional</c>. Import them with
/// <c>using static DeepPsych.Dsl.Functional;</c> (or write <c>Functional.ReLU(x)</c>). Activation names are the
/// <see cref="Act"/> members.
/// </summary>
public static class Functional
{
    /// <summary>Concatenation along channels (<c>torch.cat(xs, dim=1)</c>): every value C×H×W with the same H and W.</summary>
    public static Tensor Concat(params Tensor[] values) => throw Tensor.Symbolic(nameof(Concat));

    /// <summary>C×H×W viewed as one vector (<c>torch.flatten(x, 1)</c>).</summary>
    public static Tensor Flatten(Tensor x) => throw Tensor.Symbolic(nameof(Flatten));

    /// <summary>max(0, x).</summary>
    public static Tensor ReLU(Tensor x) => throw Tensor.Symbolic(nameof(ReLU));

    /// <summary>x if x &gt; 0 else slope · x.</summary>
    public static Tensor LeakyReLU(Tensor x, float slope = 0.01f) => throw Tensor.Symbolic(nameof(LeakyReLU));

    /// <summary>1 / (1 + e^-x).</summary>
    public static Tensor Sigmoid(Tensor x) => throw Tensor.Symbolic(nameof(Sigmoid));

    /// <summary>tanh(x).</summary>
    public static Tensor Tanh(Tensor x) => throw Tensor.Symbolic(nameof(Tanh));

    /// <summary>ln(1 + e^x).</summary>
    public static Tensor Softplus(Tensor x) => throw Tensor.Symbolic(nameof(Softplus));
}
