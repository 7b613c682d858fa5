using BenchmarkDotNet.Attributes;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>LocalResponseNorm(5, 1e-4, 0.75, 2) on AlexNet's conv1 activations, 8 × 96 × 55 × 55, one thread (a generated
/// network runs it per batch shard), forward and forward + backward.</summary>
[MemoryDiagnoser]
public class LocalResponseNormBenchmarks
{
    private const int N = 8, C = 96, S = 55 * 55;
    private float[] _x = null!, _y = null!, _scale = null!, _dy = null!, _dx = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(2);
        _x = new float[N * C * S]; _dy = new float[N * C * S];
        for (int i = 0; i < _x.Length; i++) { _x[i] = r.NextSingle() * 2 - 1; _dy[i] = r.NextSingle() * 2 - 1; }
        _y = new float[_x.Length]; _scale = new float[_x.Length]; _dx = new float[_x.Length];
    }

    [Benchmark(Description = "LRN 5, 8x96x55x55, forward")]
    public void Forward() => LocalResponseNormOp.Forward(N, C, S, 5, 1e-4f, 0.75f, 2f, _x, _y, _scale);

    [Benchmark(Description = "LRN 5, 8x96x55x55, forward+backward")]
    public void ForwardBackward()
    {
        Forward();
        LocalResponseNormOp.Backward(N, C, S, 5, 1e-4f, 0.75f, 2f, _x, _y, _scale, _dy, _dx);
    }
}
