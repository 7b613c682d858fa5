namespace DeepPsych.Dsl.Data;

/// <summary>Samples a trainer can read one at a time: in memory (<see cref="Dataset"/>, <see cref="RegressionDataset"/>),
/// decoded on demand (an image folder), or computed. Implement it for your own data.</summary>
/// <remarks>
/// <para>Two kinds of target. <b>Classification</b>: <see cref="ClassNames"/> lists the classes, <see cref="TargetLength"/>
/// is 0, and <see cref="Read"/> returns the class index. <b>Regression</b>: <see cref="ClassNames"/> is empty,
/// <see cref="TargetLength"/> floats of target per sample are written into the target span, and <see cref="Read"/> returns −1.</para>
/// <para>A <see cref="BatchLoader"/> calls <see cref="Read"/> from one background thread at a time (never concurrently for
/// one loader), into buffers it owns, so a lazily loading data set needs no locking of its own as long as it is read by one
/// loader at a time. Reading must not depend on earlier reads: the same index gives the same values.</para>
/// </remarks>
public interface IDataset
{
    /// <summary>A name for messages and logs.</summary>
    string Name { get; }
    /// <summary>Number of samples.</summary>
    int Count { get; }
    /// <summary>Shape of one sample, e.g. <c>[3, 32, 32]</c> (channels first, as the networks take it).</summary>
    IReadOnlyList<int> SampleShape { get; }
    /// <summary>Floats per sample (the product of <see cref="SampleShape"/>).</summary>
    int SampleLength { get; }
    /// <summary>Class names, indexed by label, for classification; empty for regression.</summary>
    IReadOnlyList<string> ClassNames { get; }
    /// <summary>Floats of target per sample for regression; 0 for classification.</summary>
    int TargetLength { get; }

    /// <summary>Copies sample <paramref name="index"/> into <paramref name="input"/> (<see cref="SampleLength"/> floats) and, for
    /// regression, its target into <paramref name="target"/> (<see cref="TargetLength"/> floats).</summary>
    /// <returns>The class label for classification, −1 for regression.</returns>
    int Read(int index, Span<float> input, Span<float> target);
}

/// <summary>Helpers shared by every <see cref="IDataset"/>.</summary>
public static class DatasetExtensions
{
    /// <summary>Whether the data set holds class labels (rather than regression targets).</summary>
    public static bool IsClassification(this IDataset data) => data.TargetLength == 0;

    /// <summary>The data set with each sample normalised per channel as it is read (see <see cref="ChannelNormalization"/>).</summary>
    public static IDataset Normalized(this IDataset data, ChannelNormalization normalization) => new NormalizedDataset(data, normalization);

    /// <summary>The samples at <paramref name="indices"/>, read through from <paramref name="data"/> (no copy).</summary>
    public static IDataset Subset(this IDataset data, int[] indices, string? name = null) => new SubsetDataset(data, indices, name);

    /// <summary>Splits <paramref name="data"/> into a training and a validation part, in a seeded random order: the first
    /// <c>round(count · validationFraction)</c> samples of <see cref="SeededShuffle.EpochOrder"/>(seed, 0) are validation.</summary>
    /// <param name="data">The samples to split.</param>
    /// <param name="validationFraction">Share held out for validation, in (0, 1).</param>
    /// <param name="seed">Seed of the split; the same seed gives the same split.</param>
    public static (IDataset Train, IDataset Validation) SplitValidation(this IDataset data, double validationFraction, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation share must lie strictly between 0 and 1 (e.g. 0.1 for 10 %).");
        int validation = (int)Math.Round(data.Count * validationFraction);
        if (validation == 0 || validation == data.Count)
            throw new ArgumentException($"{data.Name}: a {validationFraction:P0} validation share of {data.Count} samples leaves {data.Count - validation} to train on and {validation} to validate; both need at least one.", nameof(validationFraction));
        var order = new int[data.Count];
        SeededShuffle.EpochOrder(order, data.Count, seed, 0);
        var val = order[..validation];
        var train = order[validation..];
        Array.Sort(val);
        Array.Sort(train);
        return (new SubsetDataset(data, train, $"{data.Name}/train"), new SubsetDataset(data, val, $"{data.Name}/validation"));
    }

    /// <summary>Checks that <paramref name="data"/> fits <paramref name="network"/>: sample length, and labels or targets of
    /// the kind and size the network's loss needs. The message names the data set, the network, both shapes and the fix.</summary>
    public static void CheckFits(this IDataset data, INeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(network);
        if (data.SampleLength != network.InputLength)
            throw new ArgumentException($"{data.Name} has samples of {data.SampleLength} floats [{string.Join("x", data.SampleShape)}]; " +
                $"{network.Name} takes {network.InputLength} [{string.Join("x", network.InputShape)}]. Resize the samples or change the network's Input.");
        if (network.Loss == Loss.SoftmaxCrossEntropy)
        {
            if (!data.IsClassification())
                throw new ArgumentException($"{data.Name} holds regression targets ({data.TargetLength} floats per sample); {network.Name} is a classifier (Loss.SoftmaxCrossEntropy). " +
                    "Give it class labels, or declare the network with Loss = Loss.MeanSquaredError.");
            if (data.ClassNames.Count > network.OutputLength)
                throw new ArgumentException($"{data.Name} has {data.ClassNames.Count} classes; {network.Name} outputs {network.OutputLength} values. Give the last layer {data.ClassNames.Count} units.");
        }
        else
        {
            if (data.IsClassification())
                throw new ArgumentException($"{data.Name} holds class labels; {network.Name} is declared with Loss.{network.Loss}, which needs {network.OutputLength} float targets per sample. " +
                    "Use a RegressionDataset, or declare the network with Loss = Loss.SoftmaxCrossEntropy.");
            if (data.TargetLength != network.OutputLength)
                throw new ArgumentException($"{data.Name} has {data.TargetLength} target floats per sample; {network.Name} outputs {network.OutputLength}. Make them agree.");
        }
    }

    internal static int Product(IReadOnlyList<int> shape, string what)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentException($"{what} [{string.Join(", ", shape)}] has a non-positive dimension.");
            n *= d;
        }
        return checked((int)n);
    }
}
