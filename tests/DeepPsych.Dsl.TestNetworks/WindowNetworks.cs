using DeepPsych.Dsl;

namespace DeepPsych.Dsl.TestNetworks;

/// <summary>Per-side padding (a convolution and an average pool), ceil-mode pooling whose last window runs past the input,
/// a spatial pyramid and a [LogSoftmax] before the softmax cross-entropy (log_softmax + nll_loss), each in a whole network.</summary>
[Network(Input = new[] { 2, 9, 8 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class Pyramid
{
    [Conv2D(3, Kernel = 3, PadTop = 1, PadLeft = 0, PadBottom = 2, PadRight = 1, Activation = Act.Tanh)] public partial Conv2D Shifted { get; }
    [MaxPool2D(3, Stride = 2, CeilMode = true)] public partial Pool Down { get; }
    [AvgPool2D(2, Stride = 2, PadTop = 1, CeilMode = true)] public partial Pool Smooth { get; }
    [SpatialPyramidPool(Levels = new[] { 2, 1 })] public partial Pool Spp { get; }
    [Dense(3)] public partial Dense Logits { get; }
    [LogSoftmax] public partial Activation LogProbabilities { get; }
}

/// <summary>A probability output trained with mean squared error (a Brier-style loss): [Softmax] as the last layer.</summary>
[Network(Input = new[] { 5 }, Loss = Loss.MeanSquaredError)]
public partial class Probabilities
{
    [Dense(4, Activation = Act.Tanh)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Scores { get; }
    [Softmax] public partial Activation Output { get; }
}

/// <summary>Softmax cross-entropy with class weights and an ignore index (PyTorch's CrossEntropyLoss(weight, ignore_index)):
/// samples labelled −1 are skipped, the mean divides by the weights of the others.</summary>
[Network(Input = new[] { 4 }, ClassWeights = new[] { 0.5f, 2f, 1.25f }, IgnoreIndex = -1)]
public partial class WeightedClassifier
{
    [Dense(5, Activation = Act.Tanh)] public partial Dense Hidden { get; }
    [Dense(3)] public partial Dense Logits { get; }
}
