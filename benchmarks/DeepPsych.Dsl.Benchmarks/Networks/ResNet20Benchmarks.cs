using BenchmarkDotNet.Attributes;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>ResNet-20 (examples/ClassicNetworks/ResNet20.cs, 1×28×28) training step at batch 128, all cores: the step the
/// Fashion-MNIST trainer takes and networks.tsv's resnet20_train_b128 row times beside PyTorch (zero grads, forward with
/// batch statistics, softmax cross-entropy, backward, SGD-momentum update; 8 random batches cycled).</summary>
[MemoryDiagnoser]
public class ResNet20Benchmarks
{
    private NetworkWorkloads _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new NetworkWorkloads(new Examples.ClassicNetworks.ResNet20(), trainBatch: 128, inferBatch: 0, batches: 8);

    [Benchmark(Description = "ResNet-20 train step, batch 128")]
    public float TrainStep128() => _work.TrainStep();
}
