using System.Globalization;

namespace DeepPsych.Dsl.Testing;

/// <summary>Finite-difference gradient checks for any <see cref="INeuralNetwork"/> and for single ops.
/// <c>Check…</c> returns the report; <c>Assert…</c> throws <see cref="GradientCheckException"/> with the report when
/// anything is over tolerance (and returns it otherwise). The network is left exactly as it was found
/// (parameters, gradients, step, threads).</summary>
public static class GradientCheck
{
    /// <summary>Checks every parameter tensor of <paramref name="network"/> on a seeded batch (<see cref="TestBatch.Random"/>).</summary>
    public static GradientCheckReport Check(INeuralNetwork network, GradientCheckOptions? options = null)
    {
        options ??= GradientCheckOptions.Default;
        return Check(network, TestBatch.Random(network, options.Batch, options.Seed), options);
    }

    /// <summary>Checks every parameter tensor of <paramref name="network"/> on the given batch.</summary>
    public static GradientCheckReport Check(INeuralNetwork network, TestBatch batch, GradientCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(batch);
        options ??= GradientCheckOptions.Default;
        using var state = new NetworkState(network);
        if (options.Threads is int threads) network.Threads = threads;
        TestParameterSetter.Apply(network, options.Parameters, options.Seed);
        var target = new NetworkTarget(network, batch);
        var tensors = GradientCheckEngine.Run(target, options, out double noise);
        string setup = string.Create(CultureInfo.InvariantCulture,
            $"batch {batch.Batch}, seed {options.Seed}, parameters {options.Parameters}, threads {network.Threads}, architecture {network.ArchitectureHash}, measured loss noise {noise:0.0e+00}");
        return new GradientCheckReport($"{network.Name} ({network.Loss})", setup, options, tensors, target.NetworkLoss, target.ReferenceLoss, network.Loss.ToString());
    }

    /// <summary>As <see cref="Check(INeuralNetwork, GradientCheckOptions?)"/>, throwing <see cref="GradientCheckException"/> on failure.</summary>
    public static GradientCheckReport Assert(INeuralNetwork network, GradientCheckOptions? options = null) => Check(network, options).ThrowIfFailed();

    /// <summary>As <see cref="Check(INeuralNetwork, TestBatch, GradientCheckOptions?)"/>, throwing <see cref="GradientCheckException"/> on failure.</summary>
    public static GradientCheckReport Assert(INeuralNetwork network, TestBatch batch, GradientCheckOptions? options = null) => Check(network, batch, options).ThrowIfFailed();

    /// <summary>Checks a single op given as forward/backward delegates. The loss is L = Σₖ wₖ yₖ with seeded w, so
    /// backward receives an arbitrary upstream gradient dL/dy = w. The inputs' values are restored afterwards.</summary>
    public static GradientCheckReport CheckOp(string name, IReadOnlyList<OpInput> inputs, int outputLength, OpForward forward, OpBackward backward, GradientCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= GradientCheckOptions.Default;
        var saved = inputs.Select(i => (float[])i.Values.Clone()).ToArray();
        try
        {
            var target = new OpTarget(inputs, outputLength, forward, backward, options.Seed);
            var tensors = GradientCheckEngine.Run(target, options, out double noise);
            double l = target.Loss();
            string setup = string.Create(CultureInfo.InvariantCulture,
                $"op, loss Σ w·y with w ~ N(0,1) (seed {options.Seed}), measured loss noise {noise:0.0e+00}, inputs {string.Join(", ", inputs.Select(i => $"{i.Name} [{string.Join(", ", i.Shape)}]"))}, output {outputLength}");
            return new GradientCheckReport(name, setup, options, tensors, null, l, null);
        }
        finally
        {
            for (int i = 0; i < inputs.Count; i++) saved[i].CopyTo(inputs[i].Values, 0);
        }
    }

    /// <summary>As <see cref="CheckOp"/>, throwing <see cref="GradientCheckException"/> on failure.</summary>
    public static GradientCheckReport AssertOp(string name, IReadOnlyList<OpInput> inputs, int outputLength, OpForward forward, OpBackward backward, GradientCheckOptions? options = null)
        => CheckOp(name, inputs, outputLength, forward, backward, options).ThrowIfFailed();
}
