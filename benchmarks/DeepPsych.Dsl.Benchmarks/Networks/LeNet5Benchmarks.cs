using BenchmarkDotNet.Attributes;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>LeNet-5 training step at batch 64 and inference at batch 1 and 256, all cores.</summary>
[MemoryDiagnoser]
public class LeNet5Benchmarks
{
    private NetworkWorkloads _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new NetworkWorkloads(new Examples.FashionMnist.LeNet5(), trainBatch: 64, inferBatch: 256);

    [Benchmark(Description = "LeNet-5 train step, batch 64")]
    public float TrainStep64() => _work.TrainStep();

    [Benchmark(Description = "LeNet-5 inference, batch 1")]
    public float Infer1() => _work.Infer(1);

    [Benchmark(Description = "LeNet-5 inference, batch 256")]
    public float Infer256() => _work.Infer(256);
}
