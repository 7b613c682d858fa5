namespace DeepPsych.Dsl.Execution;

/// <summary>A small pool of dedicated threads that runs <c>body(0..count-1)</c> in parallel without allocating,
/// so a training step stays allocation-free after warm-up. Index 0 runs on the calling thread.</summary>
/// <remarks>Used for data parallelism: a generated network splits a batch into shards and runs each shard's
/// forward and backward on its own worker. Calls from several threads at once are serialised.</remarks>
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
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _body = body;
            _count = count;
            _error = null;
            _pending = count - 1;
            for (int i = 1; i < count; i++) _start[i - 1].Release();
            try { body(0); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            lock (_doneLock)
                while (_pending > 0) Monitor.Wait(_doneLock);
            _body = null;
            if (_error is { } error)
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }
    }

    private void WorkerLoop(int index)
    {
        var start = _start[index - 1];
        while (true)
        {
            start.Wait();
            if (_disposed) return;
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

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}
