using System.Runtime.InteropServices;
using System.Text;

namespace DeepPsych.Dsl.Distributed.Mpi;

/// <summary>The MPI C functions this project calls, bound at run time to the library an <see cref="IMpiFlavour"/> names.
/// Handles are <see cref="nint"/>; buffers are pinned by the caller (spans are fixed for the duration of each call).</summary>
/// <remarks>Every call checks the return code; MPI's default error handler (<c>MPI_ERRORS_ARE_FATAL</c>) usually aborts
/// the job first, but a non-zero code that does come back becomes a <see cref="DistributedException"/> naming the call.</remarks>
public sealed unsafe class MpiLibrary
{
    private readonly nint _library;

    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int> _iallreduce;
    private readonly delegate* unmanaged<nint*, int*, void*, int> _test;
    private readonly delegate* unmanaged<nint*, void*, int> _wait;
    private readonly delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int> _allgatherv;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly delegate* unmanaged<double> _wtime;

    /// <summary>The flavour this library was loaded as.</summary>
    public IMpiFlavour Flavour { get; }
    /// <summary>The predefined handles.</summary>
    public MpiHandles Handles { get; }
    /// <summary>The file that was loaded.</summary>
    public string LoadedFrom { get; }

    private MpiLibrary(IMpiFlavour flavour, nint library, string loadedFrom)
    {
        Flavour = flavour;
        _library = library;
        LoadedFrom = loadedFrom;
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export("MPI_Init_thread");
        _initialized = (delegate* unmanaged<int*, int>)Export("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export("MPI_Finalized");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export("MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export("MPI_Allreduce");
        _iallreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, nint*, int>)Export("MPI_Iallreduce");
        _test = (delegate* unmanaged<nint*, int*, void*, int>)Export("MPI_Test");
        _wait = (delegate* unmanaged<nint*, void*, int>)Export("MPI_Wait");
        _allgatherv = (delegate* unmanaged<void*, int, nint, void*, int*, int*, nint, nint, int>)Export("MPI_Allgatherv");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export("MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<nint, int, int>)Export("MPI_Abort");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export("MPI_Error_string");
        _wtime = (delegate* unmanaged<double>)Export("MPI_Wtime");
        Handles = flavour.ResolveHandles(library);
    }

    /// <summary>Loads the flavour's library, or throws a <see cref="DistributedException"/> that says how to install it.</summary>
    public static MpiLibrary Load(IMpiFlavour flavour)
    {
        foreach (var name in flavour.LibraryNames)
            if (NativeLibrary.TryLoad(name, out var handle)) return new MpiLibrary(flavour, handle, name);
        throw new DistributedException(
            $"This process was started by mpirun, but the {flavour.Name} library could not be loaded (tried {string.Join(", ", flavour.LibraryNames)}); " +
            $"{flavour.InstallHint}.");
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_library, name, out var address) ? address
        : throw new DistributedException($"{LoadedFrom} has no function {name}: not an MPI-3 library.");

    /// <summary>MPI_THREAD_MULTIPLE: the same value (3) in Open MPI and MPICH.</summary>
    public const int ThreadMultiple = 3;

    /// <summary>MPI_Init_thread with no arguments; returns the thread level provided.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        return provided;
    }

    /// <summary>MPI_Initialized.</summary>
    public bool Initialized() { int flag; Check(_initialized(&flag), "MPI_Initialized"); return flag != 0; }
    /// <summary>MPI_Finalized.</summary>
    public bool Finalized() { int flag; Check(_finalized(&flag), "MPI_Finalized"); return flag != 0; }
    /// <summary>MPI_Finalize.</summary>
    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");
    /// <summary>MPI_Comm_rank.</summary>
    public int CommRank(nint comm) { int r; Check(_commRank(comm, &r), "MPI_Comm_rank"); return r; }
    /// <summary>MPI_Comm_size.</summary>
    public int CommSize(nint comm) { int s; Check(_commSize(comm, &s), "MPI_Comm_size"); return s; }
    /// <summary>MPI_Barrier.</summary>
    public void Barrier(nint comm) => Check(_barrier(comm), "MPI_Barrier");
    /// <summary>MPI_Abort: ends every rank of the job with <paramref name="code"/>.</summary>
    public void Abort(nint comm, int code) => _abort(comm, code);
    /// <summary>MPI_Wtime.</summary>
    public double WallTime() => _wtime();

    /// <summary>MPI_Allreduce from <paramref name="send"/> into <paramref name="receive"/> (same length, not overlapping).</summary>
    public void Allreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm) =>
        Check(_allreduce(send, receive, count, datatype, op, comm), "MPI_Allreduce");

    /// <summary>MPI_Iallreduce: starts the all-reduce and returns its request at once; the buffers must stay pinned and
    /// untouched until <see cref="Wait"/> (or a <see cref="Test"/> that returns true) completes it.</summary>
    /// <remarks>A request is held in an <see cref="nint"/>: Open MPI's <c>MPI_Request</c> is a pointer; MPICH's is an
    /// <c>int</c>, which fits the low half of a zeroed slot (every supported platform is little-endian).</remarks>
    public void Iallreduce(void* send, void* receive, int count, nint datatype, nint op, nint comm, nint* request)
    {
        *request = 0;
        Check(_iallreduce(send, receive, count, datatype, op, comm, request), "MPI_Iallreduce");
    }

    /// <summary>MPI_Test: whether the request has completed (then it is freed and set to MPI_REQUEST_NULL); also drives
    /// MPI's progress engine, which advances non-blocking collectives only inside MPI calls.</summary>
    public bool Test(nint* request)
    {
        int flag;
        Check(_test(request, &flag, (void*)Handles.StatusIgnore), "MPI_Test");
        return flag != 0;
    }

    /// <summary>MPI_Wait: blocks until the request has completed.</summary>
    public void Wait(nint* request) => Check(_wait(request, (void*)Handles.StatusIgnore), "MPI_Wait");

    /// <summary>MPI_Allgatherv.</summary>
    public void Allgatherv(void* send, int sendCount, nint sendType, void* receive, int* receiveCounts, int* displacements, nint receiveType, nint comm) =>
        Check(_allgatherv(send, sendCount, sendType, receive, receiveCounts, displacements, receiveType, comm), "MPI_Allgatherv");

    /// <summary>MPI_Bcast.</summary>
    public void Bcast(void* buffer, int count, nint datatype, int root, nint comm) =>
        Check(_bcast(buffer, count, datatype, root, comm), "MPI_Bcast");

    private void Check(int code, string call)
    {
        if (code == 0) return;
        var text = new byte[1024];
        int length = 0;
        fixed (byte* p = text) _errorString(code, p, &length);
        throw new DistributedException($"{call} failed with MPI error {code}: {Encoding.ASCII.GetString(text, 0, Math.Clamp(length, 0, text.Length))}");
    }
}
