using DeepPsych.Dsl;

namespace Examples.LogisticVsMlp;

/// <summary>Logistic regression: one linear layer and softmax over two classes, p(blue) = σ(z₁ − z₀) — a line.</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class LogisticRegression
{
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>The same logistic regression on hand-made features (x₁, x₂, x₁², x₂²): a line in feature space is a conic
/// in the plane, so a circle is within reach — if someone thought of the squares.</summary>
[Network(Input = new[] { 4 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class LogisticOnSquares
{
    [Dense(2)] public partial Dense Output { get; }
}

/// <summary>A multi-layer perceptron: a hidden layer of eight tanh units learns its own features from (x₁, x₂).</summary>
[Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Mlp
{
    [Dense(8, Activation = Act.Tanh)] public partial Dense Hidden { get; }
    [Dense(2)]                        public partial Dense Output { get; }
}
