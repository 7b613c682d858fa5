using Examples.FashionMnist;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>The LeNet-5 work both the BenchmarkDotNet benchmarks and the side-by-side peer run measure, so the two
/// always time the same thing: a training step (zero grads, forward, loss, backward, SGD-momentum update) and inference.
/// Training cycles through 16 random batches (as the PyTorch peer does) so that it does not collapse onto one batch;
/// large batches cycle through fewer (at least one), so that the inputs stay within about 64 Ki samples (batch 60,000:
/// one batch, the whole of Fashion-MNIST's training set in size).</summary>
public sealed class LeNet5Workloads
{
    public readonly LeNet5 Net = new();
    private readonly Sgd _sgd = new(0.01f, momentum: 0.9f);
    private readonly float[] _input;
    private readonly int[] _labels;
    private readonly float[] _output;
    private readonly int _batches;
    private int _step;
    public int TrainBatch { get; }
    public int InferBatch { get; }

    public LeNet5Workloads(int trainBatch = 64, int inferBatch = 256)
    {
        TrainBatch = trainBatch;
        InferBatch = inferBatch;
        _batches = Math.Clamp(65536 / Math.Max(1, trainBatch), 1, 16);
        int n = Math.Max(_batches * trainBatch, inferBatch);
        var rng = new Random(42);
        _input = new float[n * LeNet5.InputLength];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)(rng.NextDouble() * 2 - 1);
        _labels = new int[n];
        for (int i = 0; i < n; i++) _labels[i] = rng.Next(10);
        _output = new float[inferBatch * LeNet5.OutputLength];
    }

    public float TrainStep()
    {
        Net.ZeroGradients();
        int b = _step++ % _batches;
        float loss = Net.ComputeGradients(_input.AsSpan(b * TrainBatch * LeNet5.InputLength, TrainBatch * LeNet5.InputLength),
            _labels.AsSpan(b * TrainBatch, TrainBatch), TrainBatch);
        _sgd.Step(Net);
        return loss;
    }

    public float Infer(int batch)
    {
        Net.Forward(_input.AsSpan(0, batch * LeNet5.InputLength), _output.AsSpan(0, batch * LeNet5.OutputLength), batch);
        return _output[0];
    }
}
