namespace DeepPsych.Dsl.Training;

/// <summary>Metrics of a network on a data set: loss for every network; accuracy, per-class accuracy and the confusion
/// matrix for classifiers (null or empty for regression).</summary>
public sealed class EvaluationResult
{
    /// <summary>Samples evaluated.</summary>
    public int Count { get; init; }
    /// <summary>Mean loss, computed in double from the outputs: softmax cross-entropy per sample for classifiers; for
    /// regression the mean squared error over every output (as <c>torch.nn.MSELoss()</c> and the training loss).</summary>
    public double Loss { get; init; }
    /// <summary>Fraction of samples whose arg-max output is the label; NaN for regression.</summary>
    public double Accuracy { get; init; }
    /// <summary>Mean absolute error over every output, for regression; null for classifiers.</summary>
    public double? MeanAbsoluteError { get; init; }
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

/// <summary>Evaluates a network batch by batch with <see cref="INeuralNetwork.Forward"/> (inference mode).</summary>
public static class Evaluator
{
    /// <summary>Loss and, for classifiers, accuracy, per-class accuracy and confusion matrix of <paramref name="network"/> on <paramref name="data"/>.</summary>
    /// <param name="network">A classifier (<see cref="Loss.SoftmaxCrossEntropy"/>, outputs are logits) or a regression network.</param>
    /// <param name="data">The samples, read in order (prefetched, no augmentation).</param>
    /// <param name="batchSize">Samples per forward call.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    public static EvaluationResult Evaluate(INeuralNetwork network, Data.IDataset data, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Data.DatasetExtensions.CheckFits(data, network);
        int outputs = network.OutputLength;
        bool classifier = network.Loss == Loss.SoftmaxCrossEntropy;
        int classes = classifier ? outputs : 0;
        var confusion = new int[classes][];
        for (int i = 0; i < classes; i++) confusion[i] = new int[classes];
        var logits = new float[Math.Min(batchSize, Math.Max(1, data.Count)) * outputs];
        double lossSum = 0, absSum = 0;
        int correct = 0;
        var loader = new Data.BatchLoader(data, Math.Min(batchSize, Math.Max(1, data.Count)), shuffle: false);
        foreach (var batch in loader.GetBatches(0, cancellationToken))
        {
            int count = batch.Count;
            var output = logits.AsSpan(0, count * outputs);
            network.Forward(batch.Inputs, output, count);
            if (!classifier)
            {
                var targets = batch.Targets;
                for (int i = 0; i < output.Length; i++)
                {
                    double d = (double)output[i] - targets[i];
                    lossSum += d * d;
                    absSum += Math.Abs(d);
                }
                continue;
            }
            for (int i = 0; i < count; i++)
            {
                var row = output.Slice(i * classes, classes);
                int label = batch.Labels[i];
                int predicted = ArgMax(row);
                lossSum += CrossEntropy(row, label);
                confusion[label][predicted]++;
                if (predicted == label) correct++;
            }
        }

        if (!classifier)
        {
            double values = (double)data.Count * outputs;
            return new EvaluationResult
            {
                Count = data.Count,
                Loss = data.Count == 0 ? double.NaN : lossSum / values,
                Accuracy = double.NaN,
                MeanAbsoluteError = data.Count == 0 ? double.NaN : absSum / values,
            };
        }
        var perClass = new double[classes];
        for (int c = 0; c < classes; c++)
        {
            int total = confusion[c].Sum();
            perClass[c] = total == 0 ? double.NaN : (double)confusion[c][c] / total;
        }
        var names = new string[classes];
        for (int c = 0; c < classes; c++) names[c] = c < data.ClassNames.Count ? data.ClassNames[c] : c.ToString();
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
