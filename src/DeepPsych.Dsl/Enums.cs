// Also compiled into the generator as linked source (see its .csproj): names, defaults and formulas written once.
namespace DeepPsych.Dsl;

/// <summary>Element-wise activation functions. Each can stand alone (<see cref="ActivationAttribute"/>) or be fused
/// into the layer before it (<c>Activation = Act.ReLU</c> on a <see cref="Conv2DAttribute"/> or <see cref="DenseAttribute"/>).</summary>
/// <remarks>Every derivative is computed from the activation's <em>output</em> y = f(z), so a fused layer keeps only y for backward.</remarks>
public enum Act
{
    /// <summary>Identity: f(z) = z.</summary>
    None = 0,
    /// <summary>Heaviside step: f(z) = 1 if z &gt; 0 else 0. Its derivative is 0 almost everywhere (diagnostic DPD0010 on a trainable path).</summary>
    Step = 1,
    /// <summary>Logistic sigmoid: f(z) = 1 / (1 + e^-z); f'(z) = y (1 - y).</summary>
    Sigmoid = 2,
    /// <summary>Hyperbolic tangent: f'(z) = 1 - y².</summary>
    Tanh = 3,
    /// <summary>Rectified linear unit: f(z) = max(0, z); f'(z) = [y &gt; 0].</summary>
    ReLU = 4,
    /// <summary>Leaky ReLU: f(z) = z if z &gt; 0 else α z (α = <c>LeakySlope</c>, 0 ≤ α &lt; 1).</summary>
    LeakyReLU = 5,
    /// <summary>Softplus: f(z) = ln(1 + e^z); f'(z) = σ(z) = 1 - e^-y.</summary>
    Softplus = 6,
}

/// <summary>The training loss of a network. Losses are averaged over the batch (and over outputs for MSE), as PyTorch's defaults.</summary>
public enum Loss
{
    /// <summary>Softmax followed by cross-entropy against integer class labels, fused and numerically stable.</summary>
    SoftmaxCrossEntropy = 0,
    /// <summary>Mean squared error against float targets of the output's shape: mean over batch and outputs of (y - t)².</summary>
    MeanSquaredError = 1,
}

/// <summary>How a layer's weights are initialised. <see cref="Auto"/> picks He for the ReLU family and Xavier/Glorot otherwise.</summary>
public enum Init
{
    /// <summary>He (Kaiming) normal for ReLU, LeakyReLU and Softplus; Xavier/Glorot uniform for everything else.</summary>
    Auto = 0,
    /// <summary>He normal: N(0, 2 / fan_in).</summary>
    He = 1,
    /// <summary>Xavier/Glorot uniform: U(±sqrt(6 / (fan_in + fan_out))).</summary>
    Xavier = 2,
    /// <summary>Every element 1 (BatchNorm's γ, as PyTorch's <c>reset_parameters</c>); a bias still starts at 0.</summary>
    Ones = 3,
}
