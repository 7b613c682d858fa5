using DeepPsych.Dsl.Distributed.Mpi;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Distributed.DataParallel;

/// <summary>Data-parallel training of any generated network over MPI: every rank holds the same parameters and sees
/// the same global batch; it runs forward and backward on its own slice of that batch, the gradients are summed over
/// the ranks (all-reduce), and every rank's optimizer then takes the same step.</summary>
/// <remarks>
/// <para>Rank r of N takes rows [r·B/N, (r+1)·B/N) of a global batch of B rows. Its network adds the gradient of its
/// slice's mean loss; this wrapper scales that by (its rows)/B and all-reduces, so every rank ends with the gradient of
/// the global batch's mean loss — the same value one process would compute on the whole batch, up to float summation
/// order. The loss returned is the global mean, and the training outputs (for accuracy) are gathered from all ranks.</para>
/// <para>The gradient block is one contiguous array, so the all-reduce is one call per bucket of
/// <see cref="BucketSize"/> floats. A generated replica reports each layer's gradients as its backward finishes them
/// (<see cref="IReportsGradientsReady"/>); a bucket starts (MPI_Iallreduce) as soon as all its floats are final, while
/// the earlier layers still compute, and the step waits for all buckets before it returns (<see cref="Overlap"/>). Inference (<see cref="Forward"/>) is split the same way and gathered, so evaluation
/// costs each rank 1/N of the work and every rank gets the same outputs.</para>
/// <para>Because the summed gradients are identical on every rank and the optimizer is deterministic, the ranks stay
/// bit-identical; <see cref="VerifyInSync"/> checks it by a hash of the parameters (the main job calls it every
/// epoch). The wrapper broadcasts rank 0's parameters once when it is created, so differently seeded ranks start equal.</para>
/// <para>Dropout masks are drawn per rank from (seed, step, element of the rank's slice), so a network with dropout
/// trains correctly but not bit-identically to one process; networks without dropout match one process to float
/// rounding.</para>
/// </remarks>
public sealed unsafe class DataParallelNetwork : INeuralNetwork
{
    private readonly INeuralNetwork _inner;
    private readonly MpiCommunicator _comm;
    private readonly int[] _counts, _offsets;
    private float[] _localOutputs = [];
    private readonly double[] _loss = GC.AllocateArray<double>(1, pinned: true);   // MPI writes it while the gradients finish
    private readonly GradientBuckets _buckets;
    private int _bucketSize = 1 << 22;
    private bool _overlap;
    private double _stepStart;

    /// <summary>Wraps <paramref name="network"/> for data-parallel training on <paramref name="communicator"/> and
    /// broadcasts rank 0's parameters to every rank.</summary>
    public DataParallelNetwork(INeuralNetwork network, MpiCommunicator communicator)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(communicator);
        _inner = network;
        _comm = communicator;
        _counts = new int[communicator.Size];
        _offsets = new int[communicator.Size];
        _buckets = new GradientBuckets(communicator, network);
        Overlap = true;
        BroadcastParameters();
    }

    /// <summary>Under mpirun, <paramref name="network"/> wrapped for data-parallel training over MPI_COMM_WORLD;
    /// otherwise <paramref name="network"/> itself, unchanged (singleton mode: MPI is never loaded).</summary>
    public static INeuralNetwork Wrap(INeuralNetwork network) =>
        DistributedEnvironment.World is { } world ? new DataParallelNetwork(network, world) : network;

    /// <summary>The wrapped network (this rank's replica).</summary>
    public INeuralNetwork Inner => _inner;
    /// <summary>The communicator.</summary>
    public MpiCommunicator Communicator => _comm;
    /// <summary>Floats per all-reduce call (PyTorch DDP's default bucket is 25 MB ≈ 6.5 M floats).</summary>
    public int BucketSize
    {
        get => _bucketSize;
        set => _bucketSize = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A bucket holds at least one float.");
    }
    /// <summary>Whether buckets start during backward, as the replica reports layers finished (true, when the replica is a
    /// generated network), or all after backward (false; the only way for networks that do not report).</summary>
    public bool Overlap
    {
        get => _overlap;
        set
        {
            _overlap = value && _inner is IReportsGradientsReady;
            if (_inner is IReportsGradientsReady reports) reports.GradientReadySink = _overlap ? _buckets : null;
        }
    }
    /// <summary>Seconds from the start of a training call until the replica's backward returned (forward, backward, and
    /// the all-reduce work MPI did inside the reports), summed over steps.</summary>
    public double BackwardSeconds { get; private set; }
    /// <summary>Seconds spent after backward waiting for the gradient and loss all-reduce (what overlap did not hide),
    /// summed over steps.</summary>
    public double AllReduceSeconds { get; private set; }
    /// <summary>Gradient buckets started during backward, and all buckets started, so far.</summary>
    public (long During, long All) BucketsStarted => (_buckets.StartedEarly, _buckets.Started);

    /// <summary>The rows [start, start + count) of a global batch of <paramref name="batch"/> rows that <paramref name="rank"/> takes.</summary>
    public static (int Start, int Count) Slice(int batch, int rank, int size)
    {
        int start = (int)((long)batch * rank / size);
        int end = (int)((long)batch * (rank + 1) / size);
        return (start, end - start);
    }

    /// <summary>Copies rank 0's parameters to every rank (after a checkpoint load on rank 0, for example).</summary>
    public void BroadcastParameters() => _comm.Broadcast(_inner.Parameters.AsSpan());

    /// <summary>A 64-bit FNV-1a hash of the parameter bits: equal on every rank when the replicas are in sync.</summary>
    public static ulong ParameterHash(ReadOnlySpan<float> parameters)
    {
        ulong h = 14695981039346656037UL;
        foreach (var v in parameters)
        {
            uint bits = BitConverter.SingleToUInt32Bits(v);
            for (int b = 0; b < 4; b++, bits >>= 8) h = (h ^ (bits & 0xFF)) * 1099511628211UL;
        }
        return h;
    }

    /// <summary>Checks that every rank holds bit-identical parameters; returns the common hash.</summary>
    /// <exception cref="DistributedException">The replicas differ (names the lowest and highest hash).</exception>
    public ulong VerifyInSync()
    {
        ulong h = ParameterHash(_inner.Parameters);
        Span<long> minMax = [(long)h, ~(long)h];
        _comm.AllReduceMax(minMax);
        ulong max = (ulong)minMax[0], min = (ulong)~minMax[1];
        if (min != max || h != max)
            throw new DistributedException($"The {_comm.Size} replicas of {_inner.Name} are no longer identical (parameter hashes range from {min:x16} to {max:x16}; this rank {_comm.Rank}: {h:x16}).");
        return h;
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
    {
        CheckBatch(input.Length, labels.Length, batch);
        var (start, count) = Slice(batch, _comm.Rank, _comm.Size);
        var local = LocalOutputs(count, outputs);
        BeginStep(count, batch);
        float loss = count == 0 ? AdvanceStep()
            : _inner.ComputeGradients(input.Slice(start * InputLength, count * InputLength), labels.Slice(start, count), count, local);
        return Combine(loss, count, batch, local, outputs);
    }

    /// <inheritdoc/>
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
    {
        CheckBatch(input.Length, targets.Length / Math.Max(1, OutputLength), batch);
        var (start, count) = Slice(batch, _comm.Rank, _comm.Size);
        var local = LocalOutputs(count, outputs);
        BeginStep(count, batch);
        float loss = count == 0 ? AdvanceStep()
            : _inner.ComputeGradients(input.Slice(start * InputLength, count * InputLength), targets.Slice(start * OutputLength, count * OutputLength), count, local);
        return Combine(loss, count, batch, local, outputs);
    }

    /// <summary>A rank with no rows this step still advances the step counter, so dropout streams stay aligned.</summary>
    private float AdvanceStep() { _inner.Step++; return 0f; }

    private Span<float> LocalOutputs(int count, Span<float> outputs)
    {
        if (outputs.IsEmpty) return default;
        int need = count * OutputLength;
        if (_localOutputs.Length < need) _localOutputs = new float[need];
        return _localOutputs.AsSpan(0, need);
    }

    private void BeginStep(int count, int batch)
    {
        // d(global mean)/dθ = Σ_r (rows_r / B) · d(mean over rank r's rows)/dθ: each bucket is scaled by this share and summed.
        _buckets.Begin((float)count / batch, BucketSize);
        _stepStart = _comm.WallTime();
    }

    private float Combine(float localMeanLoss, int count, int batch, Span<float> localOutputs, Span<float> outputs)
    {
        double backwardEnd = _comm.WallTime();
        BackwardSeconds += backwardEnd - _stepStart;
        _loss[0] = (double)localMeanLoss * count;
        fixed (double* loss = _loss)
        {
            _buckets.StartRest();   // the buckets backward did not start
            nint lossRequest = _comm.StartAllReduceSum(loss, 1);   // travels with the last buckets: one wait for all
            _buckets.Finish();
            _comm.Wait(ref lossRequest);
        }
        AllReduceSeconds += _comm.WallTime() - backwardEnd;
        if (!outputs.IsEmpty) Gather(localOutputs, outputs, batch);
        return (float)(_loss[0] / batch);
    }

    private void Gather(ReadOnlySpan<float> mine, Span<float> all, int batch)
    {
        for (int r = 0; r < _comm.Size; r++)
        {
            var (start, count) = Slice(batch, r, _comm.Size);
            _offsets[r] = start * OutputLength;
            _counts[r] = count * OutputLength;
        }
        _comm.AllGather(mine, all.Slice(0, batch * OutputLength), _counts, _offsets);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        CheckBatch(input.Length, batch, batch);
        var (start, count) = Slice(batch, _comm.Rank, _comm.Size);
        var local = LocalOutputs(count, output);
        if (count > 0) _inner.Forward(input.Slice(start * InputLength, count * InputLength), local, count);
        Gather(local, output, batch);
    }

    private void CheckBatch(int inputLength, int rows, int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must have at least one sample.");
        if (inputLength < batch * InputLength || rows < batch)
            throw new ArgumentException($"A batch of {batch} needs {batch * InputLength} input floats and {batch} targets; got {inputLength} and {rows}.");
    }

    // ---- the rest is the replica's ----

    /// <inheritdoc/>
    public string Name => _inner.Name;
    /// <inheritdoc/>
    public IReadOnlyList<int> InputShape => _inner.InputShape;
    /// <inheritdoc/>
    public IReadOnlyList<int> OutputShape => _inner.OutputShape;
    /// <inheritdoc/>
    public int InputLength => _inner.InputLength;
    /// <inheritdoc/>
    public int OutputLength => _inner.OutputLength;
    /// <inheritdoc/>
    public Loss Loss => _inner.Loss;
    /// <inheritdoc/>
    public string ArchitectureHash => _inner.ArchitectureHash;
    /// <inheritdoc/>
    public float[] Parameters => _inner.Parameters;
    /// <inheritdoc/>
    public float[] Gradients => _inner.Gradients;
    /// <inheritdoc/>
    public IReadOnlyList<ParameterTensor> ParameterTensors => _inner.ParameterTensors;
    /// <inheritdoc/>
    public IReadOnlyList<Layer> Layers => _inner.Layers;
    /// <inheritdoc/>
    public int Threads { get => _inner.Threads; set => _inner.Threads = value; }
    /// <inheritdoc/>
    public int Seed { get => _inner.Seed; set => _inner.Seed = value; }
    /// <inheritdoc/>
    public long Step { get => _inner.Step; set => _inner.Step = value; }
    /// <inheritdoc/>
    public void InitializeParameters(int seed) { _inner.InitializeParameters(seed); BroadcastParameters(); }
    /// <inheritdoc/>
    public void ZeroGradients() => _inner.ZeroGradients();
    /// <inheritdoc/>
    public string? FirstNonFiniteLayer() => _inner.FirstNonFiniteLayer();
    /// <inheritdoc/>
    public string Summary() => _inner.Summary();
    /// <inheritdoc/>
    public string BackwardSource => _inner.BackwardSource;
}
