using System.Numerics;
using System.Runtime.InteropServices;
using DeepPsych.Dsl.Distributed.Mpi;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Distributed.DataParallel;

/// <summary>One training step's gradient all-reduce in buckets, each started (MPI_Iallreduce) as soon as the backward
/// pass has reported all of its floats final, so that it travels while the earlier layers still compute — what
/// PyTorch DDP does with its reducer.</summary>
/// <remarks>
/// <para>Buckets are fixed ranges of the gradient block, [k·size, (k+1)·size). The generated backward reports layers in
/// reverse order, and layers lie in the block in forward order, so the last bucket fills first; buckets start in that
/// order (last to first) on every rank, as MPI requires of collectives. Before it starts, a
/// bucket is scaled by this rank's share of the batch (see <see cref="DataParallelNetwork"/>).</para>
/// <para>MPI advances a non-blocking collective only inside MPI calls (Open MPI has no progress thread on shared
/// memory), so every report also tests the buckets in flight: the exchange moves forward between layers.</para>
/// <para>A step in which the network reports nothing (the device path, a hand-written network) reduces the whole block
/// after backward; one that reports part of the block, or a range twice, is a bug in the network and an error.</para>
/// </remarks>
internal sealed unsafe class GradientBuckets : IGradientReadySink
{
    private readonly MpiCommunicator _comm;
    private readonly INeuralNetwork _network;
    private bool _stepping;
    private readonly int _length;   // floats in the gradient block
    private int _size, _reported;
    private int _next;               // the bucket to start next: they start last to first
    private int[] _missing = [];     // floats of each bucket not yet reported this step
    private nint[] _requests = [];   // each started bucket's MPI request
    private bool[] _inFlight = [];
    private float _share;
    private float* _block;
    private GCHandle _pin;

    public GradientBuckets(MpiCommunicator communicator, INeuralNetwork network)
    {
        _comm = communicator;
        _network = network;
        _length = network.ParameterTensors.Sum(t => t.Length);
    }

    /// <summary>Buckets started before backward finished in all steps so far, and all buckets started.</summary>
    public long StartedEarly { get; private set; }
    /// <summary>All buckets started so far.</summary>
    public long Started { get; private set; }

    /// <summary>Prepares a step: this rank's share of the batch and the floats per bucket.</summary>
    public void Begin(float share, int bucketSize)
    {
        if (_stepping) throw new InvalidOperationException("A data-parallel step began before the previous one finished.");
        _stepping = true;
        _size = bucketSize;
        _share = share;
        _reported = 0;
        int buckets = (_length + bucketSize - 1) / bucketSize;
        if (_missing.Length != buckets) { _missing = new int[buckets]; _requests = new nint[buckets]; _inFlight = new bool[buckets]; }
        for (int b = 0; b < buckets; b++) _missing[b] = Math.Min(bucketSize, _length - b * bucketSize);
        _next = buckets - 1;
    }

    /// <summary>Pins the gradient block until <see cref="Finish"/>: on the first report, or after backward when there was
    /// none (a device network's host copy is current only then).</summary>
    private void Pin()
    {
        var gradients = _network.Gradients;
        if (gradients.Length != _length) throw new DistributedException($"{_network.Name}'s gradient block holds {gradients.Length} floats, its parameter tensors {_length}.");
        _pin = GCHandle.Alloc(gradients, GCHandleType.Pinned);
        _block = (float*)_pin.AddrOfPinnedObject();
    }

    /// <inheritdoc/>
    public void GradientsReady(int offset, int length)
    {
        if (!_stepping) throw new InvalidOperationException($"{_network.Name} reported gradients outside a data-parallel training step.");
        if (_block is null) Pin();
        if (offset < 0 || length < 0 || offset > _length - length)
            throw new DistributedException($"{_network.Name} reported gradients [{offset}, {offset + length}) final, outside its block of {_length} floats.");
        _reported += length;
        while (length > 0)
        {
            int b = offset / _size, end = Math.Min((b + 1) * _size, offset + length);
            if ((_missing[b] -= end - offset) < 0)
                throw new DistributedException($"{_network.Name} reported gradients in [{b * _size}, {Math.Min((b + 1) * _size, _length)}) final twice in one step.");
            length -= end - offset;
            offset = end;
        }
        // Every rank must start the same collectives in the same order, whatever order its reports came in (a rank
        // with no rows reports nothing): buckets start last to first, each once it and all after it are complete.
        while (_next >= 0 && _missing[_next] == 0) { Start(_next--); StartedEarly++; }
        for (int b = 0; b < _inFlight.Length; b++)
            if (_inFlight[b] && _comm.Test(ref _requests[b])) _inFlight[b] = false;
    }

    /// <summary>After backward: starts the buckets not started yet (all of them when the network reported nothing), in
    /// the same order as during backward.</summary>
    public void StartRest()
    {
        if (_reported != 0 && _reported != _length)
            throw new DistributedException($"{_network.Name} reported {_reported} of its {_length} gradient floats final in this step; a generated network reports every one exactly once (or none, on a device).");
        if (_block is null) Pin();
        while (_next >= 0) Start(_next--);
    }

    /// <summary>Ends the step: waits for every bucket and unpins the block. Afterwards every rank holds the same summed
    /// gradients.</summary>
    public void Finish()
    {
        for (int b = 0; b < _inFlight.Length; b++)
            if (_inFlight[b]) { _comm.Wait(ref _requests[b]); _inFlight[b] = false; }
        _block = null;
        _pin.Free();
        _stepping = false;
    }

    private void Start(int b)
    {
        int first = b * _size, count = Math.Min(_size, _length - first);
        if (_share != 1f) Scale(new Span<float>(_block + first, count), _share);
        _requests[b] = _comm.StartAllReduceSum(_block + first, count);
        _inFlight[b] = true;
        Started++;
    }

    private static void Scale(Span<float> values, float factor)
    {
        var v = MemoryMarshal.Cast<float, Vector<float>>(values);
        for (int i = 0; i < v.Length; i++) v[i] *= factor;
        for (int i = v.Length * Vector<float>.Count; i < values.Length; i++) values[i] *= factor;
    }
}
