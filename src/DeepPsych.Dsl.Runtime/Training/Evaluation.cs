namespace DeepPsych.Dsl.Training;

/// <summary>Classification metrics of a network on a data set.</summary>
public sealed class EvaluationResult
{
    /// <summary>Samples evaluated.</summary>
    public int Count { get; init; }
    /// <summary>Mean softmax cross-entropy, computed in double from the logits.</summary>
    public double Loss { get; init; }
    /// <summary>Fraction of samples whose arg-max output is the label.</summary>
    public double Accuracy { get; init; }
    /// <summary>Class names, indexed by label.</summary>
    public string[] ClassNames { get; init; } = [];
    /// <summary>Accuracy on the samples of each class (recall); NaN for a class without samples.</summary>
    public double[] PerClassAccuracy { get; init; } = [];
    /// <summary><c>ConfusionMatrix[label][predicted]</c>: how many samples of class <c>label</c> were predicted as <c>predicted</c>.</summary>
    public int[][] ConfusionMatrix { get; init; } = [];

    /// <summary>The confusion matrix as an aligned text table (rows: true class, columns: predicted class).</summary>
    public string FormatConfusionMatrix()
    {
        var sb = new System.Text.StringBuilder();
        int width = Math.Max(6, ConfusionMatrix.SelectMany(r => r).DefaultIfEmpty(0).Max().ToString().Length + 1);
        int nameWidth = ClassNames.DefaultIfEmpty("").Max(n => n.Length);
        sb.Append(' ', nameWidth + 1);
        for (int c = 0; c < ConfusionMatrix.Length; c++) sb.Append(c.ToString().PadLeft(width));
        sb.AppendLine("   recall");
        for (int r = 0; r < ConfusionMatrix.Length; r++)
        {
            string name = r < ClassNames.Length ? ClassNames[r] : r.ToString();
            sb.Append(name.PadRight(nameWidth + 1));
            foreach (int n in ConfusionMatrix[r]) sb.Append(n.ToString().PadLeft(width));
            sb.Append($"   {PerClassAccuracy[r],6:P1}").AppendLine();
        }
        return sb.ToString();
    }
}

/// <summary>Evaluates a classification network batch by batch with <see cref="INeuralNetwork.Forward"/> (inference mode).</summary>
public static class Evaluator
{
    /// <summary>Loss, accuracy, per-class accuracy and confusion matrix of <paramref name="network"/> on <paramref name="data"/>.</summary>
    /// <param name="network">A network whose outputs are class logits (<see cref="Loss.SoftmaxCrossEntropy"/>).</param>
    /// <param name="data">The samples; read in order, without copies.</param>
    /// <param name="batchSize">Samples per forward call.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static EvaluationResult Evaluate(INeuralNetwork network, Data.Dataset data, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"{data.Name} has samples of {data.SampleLength} floats [{string.Join("x", data.SampleShape)}]; {network.Name} takes {network.InputLength}.", nameof(data));
        int classes = network.OutputLength;
        if (data.ClassCount > classes)
            throw new ArgumentException($"{data.Name} has {data.ClassCount} classes; {network.Name} outputs {classes} values.", nameof(data));

        var confusion = new int[classes][];
        for (int i = 0; i < classes; i++) confusion[i] = new int[classes];
        var logits = new float[Math.Min(batchSize, Math.Max(1, data.Count)) * classes];
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batchSize, data.Count - start);
            var input = data.Images.AsSpan(start * data.SampleLength, count * data.SampleLength);
            var output = logits.AsSpan(0, count * classes);
            network.Forward(input, output, count);
            for (int i = 0; i < count; i++)
            {
                var row = output.Slice(i * classes, classes);
                int label = data.Labels[start + i];
                int predicted = ArgMax(row);
                lossSum += CrossEntropy(row, label);
                confusion[label][predicted]++;
                if (predicted == label) correct++;
            }
        }

        var perClass = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            int total = confusion[c].Sum();
            perClass[c] = total == 0 ? double.NaN : (double)confusion[c][c] / total;
        }
        var names = new string[classes];
        for (int c = 0; c < classes; c++) names[c] = c < data.ClassCount ? data.ClassNames[c] : c.ToString();
        return new EvaluationResult
        {
            Count = data.Count,
            Loss = data.Count == 0 ? double.NaN : lossSum / data.Count,
            Accuracy = data.Count == 0 ? double.NaN : (double)correct / data.Count,
            ClassNames = names,
            PerClassAccuracy = perClass,
            ConfusionMatrix = confusion,
        };
    }

    /// <summary>Index of the largest value (the first, on ties; NaN never wins).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>−log softmax(logits)[label], computed stably in double: log Σ exp(z − max) + max − z[label].</summary>
    public static double CrossEntropy(ReadOnlySpan<float> logits, int label)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits) if (z > max) max = z;
        double sum = 0;
        foreach (float z in logits) sum += Math.Exp(z - max);
        return Math.Log(sum) + max - logits[label];
    }
}
