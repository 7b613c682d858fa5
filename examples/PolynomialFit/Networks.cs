using DeepPsych.Dsl;

namespace Examples.PolynomialFit;

// Polynomial regression is linear regression on polynomial features: the model is one Dense unit (weights and a bias)
// with mean squared error; the features are a data transform done before the network (LegendreFeatures). The input
// length is part of a network's type, so each degree is its own class.

/// <summary>Degree 1: ŷ = b + w·P1(x), a straight line.</summary>
[Network(Input = new[] { 1 }, Loss = Loss.MeanSquaredError)]
public partial class PolynomialDegree1
{
    [Dense(1)] public partial Dense Fit { get; }
}

/// <summary>Degree 4: ŷ = b + Σ_{k=1..4} w_k·P_k(x).</summary>
[Network(Input = new[] { 4 }, Loss = Loss.MeanSquaredError)]
public partial class PolynomialDegree4
{
    [Dense(1)] public partial Dense Fit { get; }
}

/// <summary>Degree 15: ŷ = b + Σ_{k=1..15} w_k·P_k(x), 16 parameters for 27 training points.</summary>
[Network(Input = new[] { 15 }, Loss = Loss.MeanSquaredError)]
public partial class PolynomialDegree15
{
    [Dense(1)] public partial Dense Fit { get; }
}
