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
    private double[][] _partials = null!;
    private double[] _total = null!, _sums = null!;
    private float[] _coefficients = null!;
    private Action<int> _partialJob = null!, _normalizeJob = null!, _backwardPartialJob = null!, _backwardDataJob = null!;
    private int _shards;
    private float[] _x = null!, _y = null!, _dy = null!, _dx = null!, _gamma = null!, _beta = null!, _rm = null!, _rv = null!, _mean = null!, _inv = null!, _dg = null!, _db = null!;

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        float[] Rand(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = r.NextSingle() * 2 - 1; return a; }
        _x = Rand(N * C * S); _dy = Rand(N * C * S); _y = new float[N * C * S]; _dx = new float[N * C * S];
        _gamma = Rand(C); _beta = Rand(C); _rm = new float[C]; _rv = new float[C]; _mean = new float[C]; _inv = new float[C]; _dg = new float[C]; _db = new float[C];
        _shards = Math.Min(N, WorkerPool.Shared.MaxParallelism);
        _partials = Enumerable.Range(0, _shards).Select(_ => new double[3 * C]).ToArray();
        _total = new double[3 * C]; _sums = new double[2 * C]; _coefficients = new float[3 * C];
        _partialJob = k => BatchNormOp.PartialStatistics(Count(k), C, S, Shard(_x, k), _partials[k]);
        _normalizeJob = k => BatchNormOp.Normalize(Count(k), C, S, Shard(_x, k), _gamma, _beta, _mean, _inv, Shard(_y, k));
        _backwardPartialJob = k => BatchNormOp.BackwardPartials(Count(k), C, S, Shard(_x, k), _mean, Shard(_dy, k), _partials[k].AsSpan(0, 2 * C));
        _backwardDataJob = k => BatchNormOp.BackwardData(Count(k), C, S, Shard(_x, k), Shard(_dy, k), _coefficients, Shard(_dx, k));
    }

    private int Count(int shard) => Shards.Length(N, _shards, shard);
    private Span<float> Shard(float[] a, int shard) => a.AsSpan(Shards.Start(N, _shards, shard) * C * S, Count(shard) * C * S);

    [Benchmark(Description = "BatchNorm2D train, 16x64x56x56, forward")]
    public void Forward() => BatchNormOp.ForwardTraining(N, C, S, _x, _gamma, _beta, 1e-5f, 0.1f, _rm, _rv, _y, _mean, _inv, WorkerPool.Shared);

    [Benchmark(Description = "BatchNorm2D train, 16x64x56x56, forward+backward")]
    public void ForwardBackward()
    {
        Forward();
        BatchNormOp.BackwardTraining(N, C, S, _x, _gamma, _mean, _inv, _dy, _dx, _dg, _db, WorkerPool.Shared);
    }

    /// <summary>The same step as the generated CPU pass runs it: the batch split into one shard per core, partial sums per
    /// shard, combined on the calling thread (Chan), then each shard normalises; backward likewise.</summary>
    [Benchmark(Description = "BatchNorm2D train, 16x64x56x56, forward+backward, batch shards (generated CPU pass)")]
    public void ShardedForwardBackward()
    {
        WorkerPool.Shared.Run(_shards, _partialJob);
        Array.Clear(_total);
        for (int k = 0; k < _shards; k++) BatchNormOp.CombineStatistics(_partials[k], _total);
        BatchNormOp.BatchStatistics(C, _total, 1e-5f, 0.1f, _rm, _rv, _mean, _inv);
        WorkerPool.Shared.Run(_shards, _normalizeJob);
        WorkerPool.Shared.Run(_shards, _backwardPartialJob);
        Array.Clear(_sums);
        for (int k = 0; k < _shards; k++) BatchNormOp.AddPartials(_partials[k].AsSpan(0, 2 * C), _sums);
        BatchNormOp.BackwardCoefficients(C, (double)N * S, _sums, _gamma, _mean, _inv, _dg, _db, _coefficients);
        WorkerPool.Shared.Run(_shards, _backwardDataJob);
    }
}
