namespace DeepPsych.Dsl.Execution;

/// <summary>A small pool of dedicated threads that runs <c>body(0..count-1)</c> in parallel without allocating,
/// so a training step stays allocation-free after warm-up. Index 0 runs on the calling thread.</summary>
/// <remarks>Used for data parallelism: a generated network splits a batch into shards and runs each shard's
/// forward and backward on its own worker. Calls from several threads at once are serialised.
/// <para>Intra-op parallelism: when a network's batch makes a single shard (batch 1) its cores would idle, so
/// <see cref="Run(int, Action{int}, int)"/> with one index lends the body the caller's thread budget
/// (<see cref="IntraOpThreads"/>), and a large op (a convolution's GEMM) splits itself across the pool. A Run from inside a
/// body (a worker, or index 0 of a multi-index Run) never waits for the pool: it runs its indices one after another on its
/// own thread, so nesting cannot deadlock and ops stay correct whoever calls them.</para></remarks>
public sealed class WorkerPool : IDisposable
{
    private static readonly Lazy<WorkerPool> s_shared = new(() => new WorkerPool(Environment.ProcessorCount));

    /// <summary>A pool with one worker per processor, created on first use.</summary>
    public static WorkerPool Shared => s_shared.Value;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly object _doneLock = new();   // a plain monitor: CountdownEvent allocates its lock on the first blocking wait
    private int _pending;
    private readonly object _gate = new();
    private Action<int>? _body;
    private int _count;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>True on a thread that is running a body of some pool's Run (workers always; the caller during a multi-index Run).</summary>
    [ThreadStatic] private static bool t_inBody;
    /// <summary>The pool lending its threads to the single-index body running on this thread, and how many it lends.</summary>
    [ThreadStatic] private static WorkerPool? t_lender;
    [ThreadStatic] private static int t_lentThreads;

    /// <summary>How many threads an op running on this thread may split itself across (≥ 1): more than 1 only inside a
    /// single-index <see cref="Run(int, Action{int}, int)"/> given a larger thread budget. Such an op splits itself with
    /// <see cref="RunIntraOp{TParts}"/> into at most this many parts.</summary>
    public static int IntraOpThreads => t_inBody || t_lender is null ? 1 : t_lentThreads;

    /// <summary>Runs an op's parts on the threads lent to this thread (<see cref="IntraOpThreads"/>), or one after another
    /// on this thread when none are lent.</summary>
    public static void RunIntraOp<TParts>(int parts, in TParts work) where TParts : struct, IParts
    {
        if (IntraOpThreads > 1) t_lender!.Run(Math.Min(parts, t_lentThreads), work);
        else for (int part = 0; part < parts; part++) work.Run(part, parts);
    }

    /// <summary>Creates a pool able to run <paramref name="maxParallelism"/> indices at once.</summary>
    public WorkerPool(int maxParallelism)
    {
        MaxParallelism = Math.Max(1, maxParallelism);
        _threads = new Thread[MaxParallelism - 1];
        _start = new SemaphoreSlim[MaxParallelism - 1];
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"DeepPsych worker {worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>The most indices run at once (worker threads + the caller).</summary>
    public int MaxParallelism { get; }

    private long _workerAllocatedBytes;

    /// <summary>Managed bytes allocated on this pool's worker threads while running bodies, since the pool started
    /// (with <see cref="GC.GetAllocatedBytesForCurrentThread"/> on the caller, this shows whether a step allocates).</summary>
    public long WorkerAllocatedBytes => Interlocked.Read(ref _workerAllocatedBytes);

    /// <summary>Runs <paramref name="body"/> for every index in [0, count), count ≤ <see cref="MaxParallelism"/>, and waits.
    /// The first exception thrown by any index is rethrown here.</summary>
    public void Run(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (count <= 0) return;
        if (count > MaxParallelism)
            throw new ArgumentOutOfRangeException(nameof(count), $"count {count} exceeds the pool's parallelism {MaxParallelism}.");
        if (count == 1) { body(0); return; }
        if (t_inBody)
        {
            // Nested (an op inside a shard): the pool's threads are busy with the outer Run, so run the indices here.
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _body = body;
            _count = count;
            _error = null;
            _pending = count - 1;
            for (int i = 1; i < count; i++) _start[i - 1].Release();
            t_inBody = true;
            try { body(0); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally { t_inBody = false; }
            SpinUntil(static pool => Volatile.Read(ref pool._pending) == 0, this);
            lock (_doneLock)
                while (_pending > 0) Monitor.Wait(_doneLock);
            _body = null;
            if (_error is { } error)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    /// <summary>As <see cref="Run(int, Action{int})"/> for a caller allowed <paramref name="threads"/> threads in all (a
    /// network's <c>Threads</c>): with a single index, the body runs on the calling thread and its large ops may split
    /// themselves over up to <paramref name="threads"/> threads (<see cref="IntraOpThreads"/>); with several, each index
    /// runs single-threaded as before.</summary>
    public void Run(int count, Action<int> body, int threads)
    {
        if (count != 1 || threads <= 1 || t_inBody) { Run(count, body); return; }
        ArgumentNullException.ThrowIfNull(body);
        var (lender, lent) = (t_lender, t_lentThreads);
        (t_lender, t_lentThreads) = (this, Math.Min(threads, MaxParallelism));
        try { body(0); }
        finally { (t_lender, t_lentThreads) = (lender, lent); }
    }

    /// <summary>Runs <paramref name="work"/>'s parts 0 … <paramref name="parts"/> − 1 in parallel (as <see cref="Run(int, Action{int})"/>)
    /// without allocating: the work is a struct copied into a per-thread holder whose body delegate is made once.</summary>
    public void Run<TParts>(int parts, in TParts work) where TParts : struct, IParts
    {
        if (parts <= 1 || t_inBody)
        {
            // One part, or nested in a body (the holder below may be in use by an outer call of the same type): run here.
            for (int part = 0; part < parts; part++) work.Run(part, parts);
            return;
        }
        var holder = PartsHolder<TParts>.ForThisThread;
        holder.Work = work;
        holder.Parts = parts;
        try { Run(parts, holder.Body); }
        finally { holder.Work = default; }
    }

    /// <summary>One thread's reusable holder of a <see cref="Run{TParts}"/> call's work.</summary>
    private sealed class PartsHolder<TParts> where TParts : struct, IParts
    {
        [ThreadStatic] private static PartsHolder<TParts>? t_instance;
        public static PartsHolder<TParts> ForThisThread => t_instance ??= new PartsHolder<TParts>();

        public TParts Work;
        public int Parts;
        public readonly Action<int> Body;

        private PartsHolder() => Body = part => Work.Run(part, Parts);
    }

    private void WorkerLoop(int index)
    {
        var start = _start[index - 1];
        while (true)
        {
            // Spin a while before sleeping: the next op of a batch-1 forward pass usually asks within microseconds, and waking
            // a sleeping thread (on a VM, an idle virtual CPU) costs tens of microseconds — as much as a mid-sized product.
            if (!SpinUntil(static s => s.CurrentCount > 0 && s.Wait(0), start)) start.Wait();
            if (_disposed) return;
            t_inBody = true;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                if (index < _count) _body!(index);
            }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            finally
            {
                Interlocked.Add(ref _workerAllocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
                lock (_doneLock)
                    if (--_pending == 0) Monitor.Pulse(_doneLock);
            }
        }
    }

    /// <summary>How long a thread polls before it blocks (<see cref="SpinUntil{T}"/>): 200 µs, longer than the gaps between the
    /// split ops of a forward pass, short enough that an idle pool stops burning its cores at once.</summary>
    private static readonly long s_spinTicks = System.Diagnostics.Stopwatch.Frequency / 5000;

    /// <summary>Polls <paramref name="done"/> for up to <see cref="s_spinTicks"/>; true as soon as it holds, false on time-out.</summary>
    private static bool SpinUntil<T>(Func<T, bool> done, T state)
    {
        long until = System.Diagnostics.Stopwatch.GetTimestamp() + s_spinTicks;
        do
        {
            if (done(state)) return true;
            Thread.SpinWait(20);
        }
        while (System.Diagnostics.Stopwatch.GetTimestamp() < until);
        return done(state);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}

/// <summary>Work that splits itself into parts for <see cref="WorkerPool.Run{TParts}"/>: a readonly struct holding its arguments
/// (pointers, sizes), whose <see cref="Run"/> does part <c>part</c> of <c>parts</c> and touches no other part's output.</summary>
public interface IParts
{
    /// <summary>Does part <paramref name="part"/> (0-based) of <paramref name="parts"/>.</summary>
    void Run(int part, int parts);
}
