using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Tests.Execution;

public class WorkerPoolTests
{
    [Fact]
    public void A_single_index_run_lends_its_thread_budget_to_the_body_and_takes_it_back()
    {
        using var pool = new WorkerPool(3);
        int inside = 0, nested = 0;
        pool.Run(1, _ =>
        {
            inside = WorkerPool.IntraOpThreads;
            pool.Run(2, part => { if (part == 0) nested = WorkerPool.IntraOpThreads; });   // an op's parts lend nothing further
        }, threads: 3);
        Assert.Equal(3, inside);
        Assert.Equal(1, nested);
        Assert.Equal(1, WorkerPool.IntraOpThreads);

        pool.Run(1, _ => inside = WorkerPool.IntraOpThreads, threads: 8);   // clamped to the pool
        Assert.Equal(3, inside);
        pool.Run(1, _ => inside = WorkerPool.IntraOpThreads);               // no budget given: none lent
        Assert.Equal(1, inside);
    }

    [Fact]
    public void Shards_of_a_multi_index_run_get_no_spare_threads()
    {
        using var pool = new WorkerPool(2);
        var seen = new int[2];
        pool.Run(2, shard => seen[shard] = WorkerPool.IntraOpThreads, threads: 2);
        Assert.Equal([1, 1], seen);
    }

    [Fact]
    public void A_run_nested_in_a_body_runs_its_indices_in_order_on_that_thread_instead_of_deadlocking()
    {
        using var pool = new WorkerPool(2);
        var order = new List<int>[2];
        var threads = new int[2];
        var finished = pool.RunAsTask(() => pool.Run(2, shard =>
        {
            order[shard] = [];
            int me = Environment.CurrentManagedThreadId;
            pool.Run(2, i => { order[shard].Add(i); if (Environment.CurrentManagedThreadId != me) threads[shard]++; });
        }));
        Assert.True(finished.Wait(TimeSpan.FromSeconds(20)), "a nested Run deadlocked");
        Assert.Equal([0, 1], order[0]);
        Assert.Equal([0, 1], order[1]);
        Assert.Equal([0, 0], threads);
    }

    [Fact]
    public void Split_work_covers_every_part_once_on_the_lent_threads_and_allocates_nothing_after_warm_up()
    {
        using var pool = new WorkerPool(2);
        var hits = new int[4];
        Action<int> body = _ => WorkerPool.RunIntraOp(4, new CountParts(hits));   // made once: a lambda per step would allocate
        void Step() => pool.Run(1, body, threads: 2);
        Step();
        Assert.Equal([1, 1, 0, 0], hits);   // 4 parts asked, 2 threads lent: the work is split in 2
        long before = GC.GetAllocatedBytesForCurrentThread(), workers = pool.WorkerAllocatedBytes;
        for (int i = 0; i < 10; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, pool.WorkerAllocatedBytes - workers);
        Assert.Equal([11, 11, 0, 0], hits);

        WorkerPool.RunIntraOp(3, new CountParts(hits));   // nothing lent: all parts here, in order
        Assert.Equal([12, 12, 1, 0], hits);
    }

    private readonly struct CountParts(int[] hits) : IParts
    {
        public void Run(int part, int parts)
        {
            Assert.True(parts <= hits.Length);
            Interlocked.Increment(ref hits[part]);
        }
    }
}

internal static class WorkerPoolTestExtensions
{
    /// <summary>Runs <paramref name="action"/> on a thread of its own, so a deadlock shows as a timeout, not a hung test run.</summary>
    public static Task RunAsTask(this WorkerPool _, Action action) => Task.Factory.StartNew(action, TaskCreationOptions.LongRunning);
}
