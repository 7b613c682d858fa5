extern alias Classic;
using Classic::Examples.ClassicNetworks;

namespace DeepPsych.Dsl.ClassicNetworks.Tests;

/// <summary>A batch of one makes a single shard, whose big convolutions then split over the network's threads
/// (WorkerPool.IntraOpThreads): with Threads = 2 the logits and gradients must be the same bits as with Threads = 1.</summary>
public sealed class BatchOneThreadsTests
{
    [Fact]
    public void ResNet18_batch_1_inference_and_gradients_on_two_threads_are_bit_identical_to_one()
    {
        var image = new float[ResNet18.InputLength];
        var random = new Random(7);
        for (int i = 0; i < image.Length; i++) image[i] = random.NextSingle() * 2 - 1;
        (float[] logits, float[] gradients) Run(int threads)
        {
            var net = new ResNet18 { Threads = threads };
            net.InitializeParameters(3);
            var logits = new float[ResNet18.OutputLength];
            net.Forward(image, logits, 1);
            net.ZeroGradients();
            net.ComputeGradients(image, [42], 1);
            return (logits, net.Gradients.ToArray());
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Contains(one.logits, v => v != 0);
        Assert.Contains(one.gradients, v => v != 0);
        Assert.Equal(one.logits, two.logits);
        Assert.True(one.gradients.AsSpan().SequenceEqual(two.gradients), "gradients differ between 1 and 2 threads");
    }
}
