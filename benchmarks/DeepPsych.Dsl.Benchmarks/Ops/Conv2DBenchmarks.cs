using BenchmarkDotNet.Attributes;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>Conv 3×3, 64 → 64, pad 1, on a 32 × 64 × 56 × 56 input: forward, and forward + backward.</summary>
[MemoryDiagnoser]
public class Conv2DBenchmarks
{
    private Conv2DLayerWorkload _work = null!;

    [GlobalSetup]
    public void Setup() => _work = new Conv2DLayerWorkload();

    [Benchmark(Description = "conv 3x3 64->64, 32x64x56x56, forward")]
    public void Forward() => _work.Forward();

    [Benchmark(Description = "conv 3x3 64->64, 32x64x56x56, forward+backward")]
    public void ForwardBackward() => _work.ForwardBackward();
}
