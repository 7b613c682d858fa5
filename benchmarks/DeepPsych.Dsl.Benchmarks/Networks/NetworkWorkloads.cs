using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>The network work both the BenchmarkDotNet benchmarks and the side-by-side peer run measure, so the two
/// always time the same thing: a training step (zero grads, forward, softmax cross-entropy, backward, SGD-momentum update
/// with lr 0.01, μ 0.9) and inference (eval mode). Training cycles through <see cref="Batches"/> random batches (as the
/// PyTorch peer does) so that it does not collapse onto one batch in cache: 16 unless told, fewer for large batches (at
/// least one), so that the inputs stay within about 64 Ki samples (batch 60,000: one batch, the whole of Fashion-MNIST's
/// training set in size). Inputs are uniform in [−1, 1), labels uniform
/// over the network's outputs, from seed 42.</summary>
public sealed class NetworkWorkloads
{
    public readonly INeuralNetwork Net;
    private readonly Sgd _sgd = new(0.01f, momentum: 0.9f);
    private readonly float[] _input;
    private readonly int[] _labels;
    private readonly float[] _output;
    private int _step;
    public int TrainBatch { get; }
    public int InferBatch { get; }
    /// <summary>Distinct training batches cycled through.</summary>
    public int Batches { get; }

    /// <param name="net">The network (its parameters as constructed: seeded initialisation).</param>
    /// <param name="trainBatch">Samples per training step; 0 for an inference-only workload (no labels allocated).</param>
    /// <param name="inferBatch">The largest inference batch.</param>
    /// <param name="batches">Distinct training batches (networks.tsv gives 16 for LeNet-5 and fewer for the 224×224
    /// networks, whose one batch already outgrows every cache); by default 16, fewer for batches over 4,096 samples.</param>
    public NetworkWorkloads(INeuralNetwork net, int trainBatch, int inferBatch, int? batches = null)
    {
        Net = net;
        TrainBatch = trainBatch;
        InferBatch = inferBatch;
        Batches = batches ?? Math.Clamp(65536 / Math.Max(1, trainBatch), 1, 16);
        int n = Math.Max(Batches * trainBatch, inferBatch);
        var rng = new Random(42);
        _input = new float[n * net.InputLength];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)(rng.NextDouble() * 2 - 1);
        _labels = new int[Batches * trainBatch];
        for (int i = 0; i < _labels.Length; i++) _labels[i] = rng.Next(net.OutputLength);
        _output = new float[inferBatch * net.OutputLength];
    }

    public float TrainStep()
    {
        if (TrainBatch == 0) throw new InvalidOperationException($"{Net.Name}'s workload was built for inference only (trainBatch 0).");
        Net.ZeroGradients();
        int b = _step++ % Batches;
        float loss = Net.ComputeGradients(_input.AsSpan(b * TrainBatch * Net.InputLength, TrainBatch * Net.InputLength),
            _labels.AsSpan(b * TrainBatch, TrainBatch), TrainBatch);
        _sgd.Step(Net);
        return loss;
    }

    public float Infer(int batch)
    {
        Net.Forward(_input.AsSpan(0, batch * Net.InputLength), _output.AsSpan(0, batch * Net.OutputLength), batch);
        return _output[0];
    }
}
