using DeepPsych.Dsl;

namespace Examples.Overfitting;

/// <summary>A wide MLP: about 270,000 parameters for a few hundred training images, so it can memorise them.</summary>
[Network(Input = new[] { 1, 28, 28 })]
public partial class WideMlp
{
    [Dense(256, Activation = Act.ReLU)] public partial Dense H1 { get; }
    [Dense(256, Activation = Act.ReLU)] public partial Dense H2 { get; }
    [Dense(10)]                         public partial Dense Output { get; }
}

/// <summary>The same MLP with inverted dropout after each hidden layer (p = 0.5, Srivastava et al. 2014).</summary>
[Network(Input = new[] { 1, 28, 28 })]
public partial class WideMlpWithDropout
{
    [Dense(256, Activation = Act.ReLU)] public partial Dense H1 { get; }
    [Dropout(0.5)]                      public partial Dropout D1 { get; }
    [Dense(256, Activation = Act.ReLU)] public partial Dense H2 { get; }
    [Dropout(0.5)]                      public partial Dropout D2 { get; }
    [Dense(10)]                         public partial Dense Output { get; }
}
