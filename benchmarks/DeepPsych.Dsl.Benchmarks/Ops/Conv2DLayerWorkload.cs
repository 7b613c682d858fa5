using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>One convolution layer, the batch split over all cores as a generated network splits it (a batch of one lends
/// all cores to the convolution, <see cref="WorkerPool.IntraOpThreads"/>): forward, and
/// forward + backward (dL/dx, dL/dW, dL/db; per-shard weight gradients are summed at the end).</summary>
public sealed class Conv2DLayerWorkload
{
    public Conv2DGeometry Geometry { get; }
    public int Batch { get; }
    private readonly float[] _x, _w, _b, _y, _dy, _dx, _dw, _db;
    private readonly float[][] _dwShard, _dbShard;
    private readonly Action<int> _forward, _backward;
    private int _shards;

    /// <summary>Default: 3×3, 64 → 64 channels, pad 1, on 32 × 64 × 56 × 56 (the ResNet/VGG workhorse).</summary>
    public Conv2DLayerWorkload() : this(ConvShape.Named("conv3x3_64")) { }

    public Conv2DLayerWorkload(ConvShape shape)
    {
        Geometry = shape.Geometry;
        Batch = shape.Batch;
        int batch = Batch, channels = Geometry.OutChannels;
        var rng = new Random(7);
        float[] Random(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)(rng.NextDouble() - 0.5); return a; }
        _x = Random(batch * Geometry.InputLength);
        _w = Random(Geometry.WeightLength);
        _b = Random(channels);
        _y = new float[batch * Geometry.OutputLength];
        _dy = Random(batch * Geometry.OutputLength);
        _dx = new float[_x.Length];
        _dw = new float[_w.Length];
        _db = new float[_b.Length];
        int maxShards = WorkerPool.Shared.MaxParallelism;
        _dwShard = Enumerable.Range(0, maxShards).Select(_ => new float[_w.Length]).ToArray();
        _dbShard = Enumerable.Range(0, maxShards).Select(_ => new float[_b.Length]).ToArray();
        _forward = ForwardShard;
        _backward = BackwardShard;
    }

    /// <summary>Forward FLOPs of the whole batch (2 per multiply-add).</summary>
    public double ForwardFlops => 2.0 * Batch * Geometry.OutputLength * Geometry.InChannels / Geometry.Groups * Geometry.KernelH * Geometry.KernelW;

    public void Forward()
    {
        _shards = Shards.CountFor(Batch, WorkerPool.Shared.MaxParallelism);
        WorkerPool.Shared.Run(_shards, _forward, WorkerPool.Shared.MaxParallelism);
    }

    public void ForwardBackward()
    {
        Forward();
        WorkerPool.Shared.Run(_shards, _backward, WorkerPool.Shared.MaxParallelism);
        _dw.AsSpan().Clear();
        _db.AsSpan().Clear();
        for (int s = 0; s < _shards; s++)
        {
            NetworkChecks.AddInto(_dw, _dwShard[s]);
            NetworkChecks.AddInto(_db, _dbShard[s]);
        }
    }

    private void ForwardShard(int s)
    {
        int start = Shards.Start(Batch, _shards, s), n = Shards.Length(Batch, _shards, s);
        Conv2DOp.Forward(Geometry, n, _x.AsSpan(start * Geometry.InputLength, n * Geometry.InputLength), _w, _b,
            _y.AsSpan(start * Geometry.OutputLength, n * Geometry.OutputLength));
    }

    private void BackwardShard(int s)
    {
        int start = Shards.Start(Batch, _shards, s), n = Shards.Length(Batch, _shards, s);
        var dx = _dx.AsSpan(start * Geometry.InputLength, n * Geometry.InputLength);
        dx.Clear();
        _dwShard[s].AsSpan().Clear();
        _dbShard[s].AsSpan().Clear();
        Conv2DOp.Backward(Geometry, n, _x.AsSpan(start * Geometry.InputLength, n * Geometry.InputLength), _w,
            _dy.AsSpan(start * Geometry.OutputLength, n * Geometry.OutputLength), dx, _dwShard[s], _dbShard[s]);
    }
}
