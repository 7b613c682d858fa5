using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>The LeNet-5 work both the BenchmarkDotNet benchmarks and the side-by-side peer run measure, so the two
/// always time the same thing: a training step (zero grads, forward, loss, backward, SGD-momentum update) and inference.</summary>
public sealed class LeNet5Workloads
{
    public readonly LeNet5 Net = new();
    private readonly Sgd _sgd = new(0.01f, momentum: 0.9f);
    private readonly float[] _input;
    private readonly int[] _labels;
    private readonly float[] _output;
    public int TrainBatch { get; }
    public int InferBatch { get; }

    public LeNet5Workloads(int trainBatch = 64, int inferBatch = 256)
    {
        TrainBatch = trainBatch;
        InferBatch = inferBatch;
        int n = Math.Max(trainBatch, inferBatch);
        var rng = new Random(42);
        _input = new float[n * LeNet5.InputLength];
        for (int i = 0; i < _input.Length; i++) _input[i] = (float)(rng.NextDouble() * 2 - 1);
        _labels = new int[n];
        for (int i = 0; i < n; i++) _labels[i] = rng.Next(10);
        _output = new float[n * LeNet5.OutputLength];
    }

    public float TrainStep()
    {
        Net.ZeroGradients();
        float loss = Net.ComputeGradients(_input.AsSpan(0, TrainBatch * LeNet5.InputLength), _labels.AsSpan(0, TrainBatch), TrainBatch);
        _sgd.Step(Net);
        return loss;
    }

    public float Infer(int batch)
    {
        Net.Forward(_input.AsSpan(0, batch * LeNet5.InputLength), _output.AsSpan(0, batch * LeNet5.OutputLength), batch);
        return _output[0];
    }
}
