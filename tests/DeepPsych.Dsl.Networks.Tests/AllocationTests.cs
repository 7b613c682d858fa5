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
        AssertStepsAllocateNothing(() => { net.ZeroGradients(); net.ComputeGradients(x, y, 64, outputs); net.Forward(x, outputs, 64); }, 50);
    }

    /// <summary>A batch of many rounds (600 samples: three rounds of 100 per shard) reuses the same workspaces round after round.</summary>
    [Fact]
    public void A_training_step_in_rounds_allocates_nothing_after_warm_up()
    {
        var net = new LeNet5 { Threads = 2 };
        var (x, y) = TrainingTests.Data(600, seed: 5);
        var outputs = new float[600 * 10];
        AssertStepsAllocateNothing(() => { net.ZeroGradients(); net.ComputeGradients(x, y, 600, outputs); net.Forward(x, outputs, 600); }, 5);
    }

    /// <summary>Runs <paramref name="step"/> 10 times to warm up, then <paramref name="steps"/> times counting the bytes the
    /// calling thread and the shard workers allocate.</summary>
    private static void AssertStepsAllocateNothing(Action step, int steps)
    {
        for (int i = 0; i < 10; i++) step();
        long caller = GC.GetAllocatedBytesForCurrentThread(), workers = WorkerPool.Shared.WorkerAllocatedBytes;
        for (int i = 0; i < steps; i++) step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - caller + WorkerPool.Shared.WorkerAllocatedBytes - workers;
        Assert.True(allocated == 0, $"{allocated} bytes allocated in {steps} steps");
    }

    /// <summary>A graph network too: the residual '+', the fan-out gradient sum and Concat allocate nothing.</summary>
    [Fact]
    public void A_graph_network_training_step_allocates_nothing_after_warm_up() => AssertTwoNetworksAllocateNothing(new Residual { Threads = 2 }, new Inception { Threads = 2 });

    /// <summary>BatchNorm's staged step too: the shards' partial sums, the combining steps and the running statistics
    /// live in arrays sized at build time.</summary>
    [Fact]
    public void A_batch_norm_network_training_step_allocates_nothing_after_warm_up()
    {
        var net = new Normalized { Threads = 3 };
        var (x, _) = TrainingTests.Data(16, seed: 4, length: Normalized.InputLength);
        var labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var outputs = new float[16 * 3];
        AssertStepsAllocateNothing(() => { net.ZeroGradients(); net.ComputeGradients(x, labels, 16, outputs); net.Forward(x, outputs, 16); }, 30);
    }

    /// <summary>Networks of [Block]s (inlined at build time) allocate nothing per step either.</summary>
    [Fact]
    public void A_block_network_training_step_allocates_nothing_after_warm_up() => AssertTwoNetworksAllocateNothing(new TinyResNet { Threads = 2 }, new TinyGoogLeNet { Threads = 2 });

    /// <summary>Training steps and inference of two 3-class networks, 16 samples each, in turn.</summary>
    private static void AssertTwoNetworksAllocateNothing(INeuralNetwork first, INeuralNetwork second)
    {
        var (x1, _) = TrainingTests.Data(16, seed: 2, length: first.InputLength);
        var (x2, _) = TrainingTests.Data(16, seed: 3, length: second.InputLength);
        var labels = Enumerable.Range(0, 16).Select(i => i % 3).ToArray();
        var outputs = new float[16 * 3];
        AssertStepsAllocateNothing(() =>
        {
            first.ZeroGradients(); first.ComputeGradients(x1, labels, 16, outputs); first.Forward(x1, outputs, 16);
            second.ZeroGradients(); second.ComputeGradients(x2, labels, 16, outputs); second.Forward(x2, outputs, 16);
        }, 30);
    }
}
