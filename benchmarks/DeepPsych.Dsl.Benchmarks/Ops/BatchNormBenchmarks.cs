using BenchmarkDotNet.Attributes;
using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>BatchNorm2D training forward and forward + backward on ResNet-18's layer-1 activations, 16 × 64 × 56 × 56
/// (memory-bound: forward reads x twice and writes y; backward reads x and dy twice and updates dx), channels split across
/// <see cref="WorkerPool.Shared"/>.</summary>
[MemoryDiagnoser]
public class BatchNormBenchmarks
{
    private const int N = 16, C = 64, S = 56 * 56;
    private float[] _x = null!, _y = null!, _dy = null!, _dx = null!, _gamma = null!, _beta = null!, _rm = null!, _rv = null!, _mean = null!, _inv = null!, _dg = null!, _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.NextSingle() * 2 - 1; return a; }
        _x = Rand(N * C * S); _dy = Rand(N * C * S); _y = new float[N * C * S]; _dx = new float[N * C * S];
        _gamma = Rand(C); _beta = Rand(C); _rm = new float[C]; _rv = new float[C]; _mean = new float[C]; _inv = new float[C]; _dg = new float[C]; _db = new float[C];
    }

    [Benchmark(Description = "BatchNorm2D train, 16x64x56x56, forward")]
    public void Forward() => BatchNormOp.ForwardTraining(N, C, S, _x, _gamma, _beta, 1e-5f, 0.1f, _rm, _rv, _y, _mean, _inv, WorkerPool.Shared);

    [Benchmark(Description = "BatchNorm2D train, 16x64x56x56, forward+backward")]
    public void ForwardBackward()
    {
        Forward();
        BatchNormOp.BackwardTraining(N, C, S, _x, _gamma, _mean, _inv, _dy, _dx, _dg, _db, WorkerPool.Shared);
    }
}
