using DeepPsych.Dsl.TestNetworks;
using Examples.FashionMnist;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>Runs alone: the shard workers are shared, so another test's warm-up would be counted.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class AllocationCollection;

/// <summary>Counts the bytes allocated on the calling thread and on the worker threads that run the shards
/// (not the whole process: the test host allocates on its own threads meanwhile).</summary>
[Collection(nameof(AllocationTests))]
public class AllocationTests
{
    [Fact]
    public void A_training_step_and_inference_allocate_nothing_after_warm_up()
    {
        var net = new LeNet5 { Threads = 2 };
        var (x, y) = TrainingTests.Data(64, seed: 1);
        var outputs = new float[64 * 10];
        for (int i = 0; i < 10; i++) { net.ZeroGradients(); net.ComputeGradients(x, y, 64, outputs); net.Forward(x, outputs, 64); }
        long caller = GC.GetAllocatedBytesForCurrentThread(), workers = WorkerPool.Shared.WorkerAllocatedBytes;
        for (int i = 0; i < 50; i++) { net.ZeroGradients(); net.ComputeGradients(x, y, 64, outputs); net.Forward(x, outputs, 64); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - caller + WorkerPool.Shared.WorkerAllocatedBytes - workers;
        Assert.True(allocated == 0, $"{allocated} bytes allocated in 50 steps");
    }

    /// <summary>A graph network too: the residual '+', the fan-out gradient sum and Concat allocate nothing.</summary>
    [Fact]
    public void A_graph_network_training_step_allocates_nothing_after_warm_up()
    {
        var residual = new Residual { Threads = 2 };
        var inception = new Inception { Threads = 2 };
        var (x1, _) = TrainingTests.Data(16, seed: 2, length: Residual.InputLength);
        var (x2, _) = TrainingTests.Data(16, seed: 3, length: Inception.InputLength);
        var labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var outputs = new float[16 * 3];
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                residual.ZeroGradients(); residual.ComputeGradients(x1, labels, 16, outputs); residual.Forward(x1, outputs, 16);
                inception.ZeroGradients(); inception.ComputeGradients(x2, labels, 16, outputs); inception.Forward(x2, outputs, 16);
            }
        }
        Steps(10);
        long caller = GC.GetAllocatedBytesForCurrentThread(), workers = WorkerPool.Shared.WorkerAllocatedBytes;
        Steps(30);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - caller + WorkerPool.Shared.WorkerAllocatedBytes - workers;
        Assert.True(allocated == 0, $"{allocated} bytes allocated in 30 steps of each graph network");
    }

    /// <summary>Networks of [Block]s (inlined at build time) allocate nothing per step either.</summary>
    [Fact]
    public void A_block_network_training_step_allocates_nothing_after_warm_up()
    {
        var resnet = new TinyResNet { Threads = 2 };
        var googlenet = new TinyGoogLeNet { Threads = 2 };
        var (x1, _) = TrainingTests.Data(16, seed: 4, length: TinyResNet.InputLength);
        var (x2, _) = TrainingTests.Data(16, seed: 5, length: TinyGoogLeNet.InputLength);
        var labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var outputs = new float[16 * 3];
        void Steps(int count)
        {
            for (int i = 0; i < count; i++)
            {
                resnet.ZeroGradients(); resnet.ComputeGradients(x1, labels, 16, outputs); resnet.Forward(x1, outputs, 16);
                googlenet.ZeroGradients(); googlenet.ComputeGradients(x2, labels, 16, outputs); googlenet.Forward(x2, outputs, 16);
            }
        }
        Steps(10);
        long caller = GC.GetAllocatedBytesForCurrentThread(), workers = WorkerPool.Shared.WorkerAllocatedBytes;
        Steps(30);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - caller + WorkerPool.Shared.WorkerAllocatedBytes - workers;
        Assert.True(allocated == 0, $"{allocated} bytes allocated in 30 steps of each block network");
    }
}
