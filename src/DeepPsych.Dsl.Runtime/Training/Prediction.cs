using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Training;

/// <summary>Inference helpers on any network (Keras' <c>predict</c>): raw outputs, class probabilities and classes, in
/// batches, dropout off. Inputs must be prepared as for training (the same normalisation).</summary>
public static class Prediction
{
    /// <summary>The raw outputs (logits for classifiers, values for regression) of every sample in <paramref name="inputs"/>
    /// (<c>n × InputLength</c> floats): <c>n × OutputLength</c> floats.</summary>
    public static float[] Predict(this INeuralNetwork network, ReadOnlySpan<float> inputs, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (inputs.Length % network.InputLength != 0)
            throw new ArgumentException($"{inputs.Length} input floats are not whole samples: {network.Name} takes {network.InputLength} floats " +
                $"[{string.Join("x", network.InputShape)}] per sample ({(double)inputs.Length / network.InputLength} samples).", nameof(inputs));
        int count = inputs.Length / network.InputLength;
        var outputs = new float[(long)count * network.OutputLength];
        for (int start = 0; start < count; start += batchSize)
        {
            int n = Math.Min(batchSize, count - start);
            network.Forward(inputs.Slice(start * network.InputLength, n * network.InputLength),
                outputs.AsSpan(start * network.OutputLength, n * network.OutputLength), n);
        }
        return outputs;
    }

    /// <summary>The raw outputs of every sample of <paramref name="data"/>, in order: <c>Count × OutputLength</c> floats.</summary>
    public static float[] Predict(this INeuralNetwork network, IDataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"{data.Name} has samples of {data.SampleLength} floats [{string.Join("x", data.SampleShape)}]; {network.Name} takes {network.InputLength}.", nameof(data));
        var outputs = new float[(long)data.Count * network.OutputLength];
        if (data.Count == 0) return outputs;
        var loader = new BatchLoader(data, Math.Min(batchSize, data.Count), shuffle: false);
        int start = 0;
        foreach (var batch in loader.GetBatches(0))
        {
            network.Forward(batch.Inputs, outputs.AsSpan(start * network.OutputLength, batch.Count * network.OutputLength), batch.Count);
            start += batch.Count;
        }
        return outputs;
    }

    /// <summary>Class probabilities (softmax of the logits, each row sums to 1) of every sample in <paramref name="inputs"/>.</summary>
    public static float[] PredictProbabilities(this INeuralNetwork network, ReadOnlySpan<float> inputs, int batchSize = 256) =>
        Softmax(network, network.Predict(inputs, batchSize));

    /// <summary>Class probabilities of every sample of <paramref name="data"/>, in order.</summary>
    public static float[] PredictProbabilities(this INeuralNetwork network, IDataset data, int batchSize = 256) =>
        Softmax(network, network.Predict(data, batchSize));

    /// <summary>The most likely class of every sample in <paramref name="inputs"/>.</summary>
    public static int[] PredictClasses(this INeuralNetwork network, ReadOnlySpan<float> inputs, int batchSize = 256) =>
        ArgMaxRows(network, network.Predict(inputs, batchSize));

    /// <summary>The most likely class of every sample of <paramref name="data"/>, in order.</summary>
    public static int[] PredictClasses(this INeuralNetwork network, IDataset data, int batchSize = 256) =>
        ArgMaxRows(network, network.Predict(data, batchSize));

    private static float[] Softmax(INeuralNetwork network, float[] logits)
    {
        RequireClassifier(network, "PredictProbabilities");
        int classes = network.OutputLength;
        var probabilities = new float[logits.Length];
        SoftmaxCrossEntropyOp.Softmax(logits.Length / classes, classes, logits, probabilities);
        return probabilities;
    }

    private static int[] ArgMaxRows(INeuralNetwork network, float[] logits)
    {
        RequireClassifier(network, "PredictClasses");
        int classes = network.OutputLength;
        var result = new int[logits.Length / classes];
        for (int i = 0; i < result.Length; i++) result[i] = Evaluator.ArgMax(logits.AsSpan(i * classes, classes));
        return result;
    }

    private static void RequireClassifier(INeuralNetwork network, string method)
    {
        if (network.Loss != Loss.SoftmaxCrossEntropy)
            throw new InvalidOperationException($"{method} needs a classifier; {network.Name} is declared with Loss.{network.Loss}, whose outputs are values, not logits. Use Predict.");
    }
}
