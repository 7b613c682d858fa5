using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>A seeded batch for a network: inputs N(0, 1), and integer labels (softmax cross-entropy) or targets
/// U(0, 1) (mean squared error). Used by gradient checks and snapshots; also usable on its own.</summary>
public sealed class TestBatch
{
    /// <summary>Wraps an explicit batch. Give <paramref name="labels"/> for a softmax network, <paramref name="targets"/> for MSE.</summary>
    public TestBatch(float[] input, int batch, int[]? labels = null, float[]? targets = null)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "The batch must hold at least one sample.");
        if ((labels is null) == (targets is null)) throw new ArgumentException("Give exactly one of labels (softmax cross-entropy) or targets (mean squared error).");
        Input = input; Batch = batch; Labels = labels; Targets = targets;
    }

    /// <summary>Inputs, batch × InputLength.</summary>
    public float[] Input { get; }
    /// <summary>Samples.</summary>
    public int Batch { get; }
    /// <summary>Class labels (softmax cross-entropy networks).</summary>
    public int[]? Labels { get; }
    /// <summary>Targets, batch × OutputLength (mean-squared-error networks).</summary>
    public float[]? Targets { get; }

    /// <summary>A seeded batch matching the network's input length and loss.</summary>
    public static TestBatch Random(INeuralNetwork network, int batch, int seed)
    {
        var rng = new TestRandom(GradientCheckEngine.HashCode(seed, "batch"));
        var input = new float[batch * network.InputLength];
        for (int i = 0; i < input.Length; i++) input[i] = (float)rng.Gaussian();
        if (network.Loss == Loss.SoftmaxCrossEntropy)
        {
            var labels = new int[batch];
            for (int b = 0; b < batch; b++) labels[b] = rng.NextInt(network.OutputLength);
            return new TestBatch(input, batch, labels: labels);
        }
        var targets = new float[batch * network.OutputLength];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
        return new TestBatch(input, batch, targets: targets);
    }

    /// <summary>One training step's gradients (ZeroGradients is the caller's business).</summary>
    internal float ComputeGradients(INeuralNetwork network, Span<float> outputs)
        => Labels is not null ? network.ComputeGradients(Input, Labels, Batch, outputs) : network.ComputeGradients(Input, Targets!, Batch, outputs);

    /// <summary>The network's loss of <paramref name="outputs"/>, recomputed here in double from the contract's
    /// definition (an independent check of the generated loss): softmax cross-entropy via log-sum-exp, or MSE averaged
    /// over batch and outputs.</summary>
    internal double ReferenceLoss(INeuralNetwork network, ReadOnlySpan<float> outputs)
    {
        int k = network.OutputLength;
        double sum = 0;
        if (Labels is not null)
        {
            for (int b = 0; b < Batch; b++)
            {
                var y = outputs.Slice(b * k, k);
                double max = double.NegativeInfinity;
                foreach (float v in y) max = Math.Max(max, v);
                double e = 0;
                foreach (float v in y) e += Math.Exp(v - max);
                sum += max + Math.Log(e) - y[Labels[b]];
            }
            return sum / Batch;
        }
        for (int i = 0; i < Batch * k; i++) { double d = (double)outputs[i] - Targets![i]; sum += d * d; }
        return sum / ((double)Batch * k);
    }
}

/// <summary>Sets parameters for a check or snapshot (see <see cref="TestParameters"/>).</summary>
internal static class TestParameterSetter
{
    public static void Apply(INeuralNetwork network, TestParameters mode, int seed)
    {
        switch (mode)
        {
            case TestParameters.Current: return;
            case TestParameters.NetworkInitializer: network.InitializeParameters(seed); return;
        }
        foreach (var p in network.ParameterTensors)
        {
            var rng = new TestRandom(GradientCheckEngine.HashCode(seed, p.Name));
            double bound = p.IsBias || p.FanIn <= 0 ? 0.1 : Math.Sqrt(3.0 / p.FanIn);
            var v = p.Values;
            for (int i = 0; i < v.Length; i++) v[i] = (float)rng.Uniform(-bound, bound);
        }
    }
}
