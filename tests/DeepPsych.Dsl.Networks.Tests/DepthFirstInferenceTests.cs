using System.Reflection;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>LeNet-5's inference runs depth first (the generated InferChunk: C1 … S4 on <c>InferenceChunk</c> samples at a
/// time, each chunk's outputs reusing the start of the workspace, then InferTail: F5 … on the whole shard). Every op before
/// F5 computes each sample alone and the dense layers see the same shard as in training, so the outputs must be those of
/// the whole-shard forward pass a training step runs, bit for bit.</summary>
public class DepthFirstInferenceTests
{
    private static readonly int Chunk = (int)typeof(LeNet5).GetField("InferenceChunk", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;

    [Theory]
    [InlineData(1, 61, true)]    // one shard: whole chunks and a shorter last one
    [InlineData(2, 61, true)]    // shards of 31 and 30 samples
    [InlineData(2, 9, false)]    // shards of 5 and 4, within one chunk: the whole-shard pass
    public void Inference_gives_the_outputs_of_the_whole_shard_pass_bit_for_bit(int threads, int batch, bool chunked)
    {
        int shard = (batch + threads - 1) / threads;
        Assert.True(chunked == shard > Chunk, $"{shard} samples per shard against chunks of {Chunk}: the case no longer tests what it says");
        var (x, y) = TrainingTests.Data(batch, seed: 31);
        var net = new LeNet5 { Threads = threads };

        var inferred = new float[batch * LeNet5.OutputLength];
        net.Forward(x, inferred, batch);
        var whole = new float[batch * LeNet5.OutputLength];
        net.ComputeGradients(x, y, batch, whole);   // its forward pass runs every layer on the whole shard

        for (int i = 0; i < whole.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(inferred[i]) == BitConverter.SingleToInt32Bits(whole[i]),
                $"sample {i / LeNet5.OutputLength}, output {i % LeNet5.OutputLength}: inference {inferred[i]:G9}, whole-shard pass {whole[i]:G9}");
    }
}
