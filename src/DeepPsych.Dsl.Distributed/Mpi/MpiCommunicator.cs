using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Distributed.Mpi;

/// <summary>MPI_COMM_WORLD of a job started by mpirun: rank, size, and the collectives data-parallel training needs.
/// Obtain it from <see cref="DistributedEnvironment.World"/>.</summary>
/// <remarks>Initialised with MPI_THREAD_MULTIPLE so that a communication thread may all-reduce while compute threads run.
/// All collectives must be called by every rank in the same order; all are blocking except
/// <see cref="StartAllReduceSum"/>, whose request <see cref="Wait"/> completes.</remarks>
public sealed unsafe class MpiCommunicator
{
    private readonly MpiLibrary _mpi;
    private readonly nint _comm;

    internal MpiCommunicator(MpiLibrary mpi)
    {
        _mpi = mpi;
        if (!mpi.Initialized())
        {
            TuningApplied = NativeEnvironment.SetMissing(mpi.Flavour.TuningDefaults);
            ThreadLevel = mpi.InitThread(MpiLibrary.ThreadMultiple);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Shutdown();
        }
        _comm = mpi.Handles.CommWorld;
        Rank = mpi.CommRank(_comm);
        Size = mpi.CommSize(_comm);
    }

    /// <summary>The MPI library in use.</summary>
    public MpiLibrary Library => _mpi;
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public int Rank { get; }
    /// <summary>The number of ranks.</summary>
    public int Size { get; }
    /// <summary>The flavour's tuning defaults (<see cref="IMpiFlavour.TuningDefaults"/>) this process set before MPI_Init:
    /// those the user or the launcher had not set.</summary>
    public IReadOnlyList<(string Name, string Value)> TuningApplied { get; } = [];
    /// <summary>The thread level MPI_Init_thread provided (3 = MPI_THREAD_MULTIPLE).</summary>
    public int ThreadLevel { get; }

    /// <summary>values = Σ over ranks of values (MPI_Allreduce, MPI_SUM, in place).</summary>
    public void AllReduceSum(Span<float> values)
    {
        fixed (float* p = values) _mpi.Allreduce((void*)_mpi.Handles.InPlace, p, values.Length, _mpi.Handles.Float, _mpi.Handles.OpSum, _comm);
    }

    /// <summary>Starts values[0 … count) = Σ over ranks (MPI_Iallreduce, MPI_SUM, in place) and returns its request at once.
    /// The memory must stay pinned, and neither read nor written, until <see cref="Wait"/> or <see cref="Test"/> completes it.</summary>
    public nint StartAllReduceSum(float* values, int count)
    {
        nint request;
        _mpi.Iallreduce((void*)_mpi.Handles.InPlace, values, count, _mpi.Handles.Float, _mpi.Handles.OpSum, _comm, &request);
        return request;
    }

    /// <summary>Starts values[0 … count) = Σ over ranks in double (MPI_Iallreduce, in place); as the float overload.</summary>
    public nint StartAllReduceSum(double* values, int count)
    {
        nint request;
        _mpi.Iallreduce((void*)_mpi.Handles.InPlace, values, count, _mpi.Handles.Double, _mpi.Handles.OpSum, _comm, &request);
        return request;
    }

    /// <summary>Whether <paramref name="request"/> has completed (then it becomes MPI_REQUEST_NULL); advances MPI's
    /// progress engine, which moves non-blocking collectives forward only inside MPI calls.</summary>
    public bool Test(ref nint request)
    {
        fixed (nint* r = &request) return _mpi.Test(r);
    }

    /// <summary>Blocks until <paramref name="request"/> has completed (then it becomes MPI_REQUEST_NULL).</summary>
    public void Wait(ref nint request)
    {
        fixed (nint* r = &request) _mpi.Wait(r);
    }

    /// <summary>values = Σ over ranks of values, in double.</summary>
    public void AllReduceSum(Span<double> values)
    {
        fixed (double* p = values) _mpi.Allreduce((void*)_mpi.Handles.InPlace, p, values.Length, _mpi.Handles.Double, _mpi.Handles.OpSum, _comm);
    }

    /// <summary>values = max over ranks of values (64-bit integers).</summary>
    public void AllReduceMax(Span<long> values)
    {
        fixed (long* p = values) _mpi.Allreduce((void*)_mpi.Handles.InPlace, p, values.Length, _mpi.Handles.Long, _mpi.Handles.OpMax, _comm);
    }

    /// <summary>Gathers every rank's <paramref name="mine"/> into <paramref name="all"/>, rank r's part at
    /// <paramref name="offsets"/>[r] with <paramref name="counts"/>[r] elements (MPI_Allgatherv).</summary>
    public void AllGather(ReadOnlySpan<float> mine, Span<float> all, ReadOnlySpan<int> counts, ReadOnlySpan<int> offsets)
    {
        if (counts.Length != Size || offsets.Length != Size)
            throw new ArgumentException($"counts and offsets need one entry per rank ({Size}); got {counts.Length} and {offsets.Length}.");
        fixed (float* s = mine) fixed (float* r = all) fixed (int* c = counts) fixed (int* o = offsets)
            _mpi.Allgatherv(s, mine.Length, _mpi.Handles.Float, r, c, o, _mpi.Handles.Float, _comm);
    }

    /// <summary>Every rank receives <paramref name="root"/>'s <paramref name="values"/> (MPI_Bcast).</summary>
    public void Broadcast(Span<float> values, int root = 0)
    {
        fixed (float* p = values) _mpi.Bcast(p, values.Length, _mpi.Handles.Float, root, _comm);
    }

    /// <summary>Every rank receives <paramref name="root"/>'s bytes (MPI_Bcast).</summary>
    public void Broadcast(Span<byte> values, int root = 0)
    {
        fixed (byte* p = values) _mpi.Bcast(p, values.Length, _mpi.Handles.Byte, root, _comm);
    }

    /// <summary>Waits for every rank (MPI_Barrier).</summary>
    public void Barrier() => _mpi.Barrier(_comm);

    /// <summary>Seconds since an arbitrary point (MPI_Wtime).</summary>
    public double WallTime() => _mpi.WallTime();

    /// <summary>Ends the whole job: writes <paramref name="message"/> to stderr with this rank's number, then MPI_Abort,
    /// which makes mpirun stop every other rank (none is left waiting in a collective).</summary>
    public void Abort(string message, int code = 1)
    {
        Console.Error.WriteLine($"rank {Rank} of {Size}: {message}");
        Console.Error.Flush();
        _mpi.Abort(_comm, code);
        Environment.Exit(code);
    }

    private bool _finalized;

    private void Shutdown()
    {
        if (_finalized) return;
        _finalized = true;
        try { if (!_mpi.Finalized()) _mpi.FinalizeMpi(); }
        catch (DistributedException) { }
    }
}
