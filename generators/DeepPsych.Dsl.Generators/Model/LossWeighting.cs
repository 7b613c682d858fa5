namespace DeepPsych.Dsl.Generators.Model;

/// <summary>[Network(ClassWeights = ..., IgnoreIndex = ...)]: the softmax cross-entropy's class weights (empty = all 1) and
/// ignore index, present only when the network declares either (PyTorch's CrossEntropyLoss(weight, ignore_index)).
/// Symbol-free and equatable.</summary>
internal sealed record LossWeighting(EquatableArray<float> ClassWeights, int IgnoreIndex);
