using Examples.FashionMnist;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>A batch larger than shards × MicroBatch runs in rounds that reuse the shards' cache-sized workspaces (LeNet-5:
/// 128 samples per shard per round). Its loss, gradients and outputs must be those of the whole batch: here the sums over
/// the same samples taken in separate calls of one round each, weighted by their share of the batch.</summary>
public class LargeBatchTests
{
    /// <summary>The same per-sample terms summed in another order (rounds of 256 against parts of 250, each shard's GEMM
    /// blocked differently): float32 sums of 5,000 samples carry a relative error of about √5000 · 6e-8 ≈ 4e-6 of the
    /// terms' magnitude. 1e-4 of the largest gradient leaves a wide margin, while a round lost, counted twice or scaled by
    /// its own size instead of the batch's changes the gradient by a whole part's share (here 1/20).</summary>
    private const double Tolerance = 1e-4;

    private const int Batch = 5000, Part = 250;

    [Fact]
    public void A_batch_in_rounds_has_the_gradient_loss_and_outputs_of_its_parts()
    {
        Assert.True(Batch > 2 * 128 * 4, "the batch must take many rounds");
        var (x, y) = TrainingTests.Data(Batch, seed: 21);
        var whole = new LeNet5 { Threads = 2 };
        var outputs = new float[Batch * LeNet5.OutputLength];
        whole.ZeroGradients();
        float loss = whole.ComputeGradients(x, y, Batch, outputs);

        var parts = new LeNet5 { Threads = 2 };   // same seed, same parameters
        var expected = new double[LeNet5.ParameterCount];
        var expectedOutputs = new float[Batch * LeNet5.OutputLength];
        double expectedLoss = 0;
        for (int first = 0; first < Batch; first += Part)
        {
            parts.ZeroGradients();
            float partLoss = parts.ComputeGradients(x.AsSpan(first * LeNet5.InputLength, Part * LeNet5.InputLength), y.AsSpan(first, Part), Part,
                expectedOutputs.AsSpan(first * LeNet5.OutputLength, Part * LeNet5.OutputLength));
            expectedLoss += (double)partLoss * Part / Batch;
            for (int i = 0; i < expected.Length; i++) expected[i] += (double)parts.Gradients[i] * Part / Batch;
        }

        Assert.Equal(expectedLoss, loss, 1e-5 * Math.Abs(expectedLoss));
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(whole.Gradients[i] - expected[i]) <= Tolerance * scale,
                $"gradient [{i}]: batch of {Batch} {whole.Gradients[i]:G9}, sum of its parts {expected[i]:G9} (> {Tolerance} x {scale:G3})");
        AssertClose(expectedOutputs, outputs, "training outputs");
    }

    [Fact]
    public void Inference_in_rounds_gives_each_sample_the_output_of_a_small_batch()
    {
        var (x, _) = TrainingTests.Data(Batch, seed: 22);
        var net = new LeNet5 { Threads = 2 };
        var outputs = new float[Batch * LeNet5.OutputLength];
        net.Forward(x, outputs, Batch);
        var expected = new float[Batch * LeNet5.OutputLength];
        for (int first = 0; first < Batch; first += Part)
            net.Forward(x.AsSpan(first * LeNet5.InputLength, Part * LeNet5.InputLength), expected.AsSpan(first * LeNet5.OutputLength, Part * LeNet5.OutputLength), Part);
        AssertClose(expected, outputs, "inference outputs");
    }

    /// <summary>Rounds overwrite each other's outputs, so the round whose loss turns non-finite must name the layer itself:
    /// a NaN in the first sample is in the first round, long gone when the step ends.</summary>
    [Fact]
    public void The_first_non_finite_layer_is_named_even_when_a_later_round_overwrote_it()
    {
        var (x, y) = TrainingTests.Data(1000, seed: 23);
        x[5] = float.NaN;
        var net = new LeNet5 { Threads = 2 };
        float loss = net.ComputeGradients(x, y, 1000);
        Assert.True(float.IsNaN(loss));
        Assert.Equal("C1", net.FirstNonFiniteLayer());

        x[5] = 0;
        net.ComputeGradients(x, y, 1000);
        Assert.Null(net.FirstNonFiniteLayer());
    }

    /// <summary>Relative to the largest output: the same float32 sums, only blocked over a different number of samples.</summary>
    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        double scale = expected.Max(v => Math.Abs((double)v));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5 * scale, $"{what}[{i}]: {actual[i]:G9}, expected {expected[i]:G9}");
    }
}
