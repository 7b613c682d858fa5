namespace DeepPsych.Dsl.Data;

/// <summary>Loads Fashion-MNIST (Zalando's 28×28 grey-scale clothing images, 60,000 train + 10,000 test, 10 classes)
/// from its four IDX files, raw or gzip.</summary>
/// <remarks>Install it on Debian with <c>apt-get install -y dataset-fashion-mnist</c>; the files then live in
/// <see cref="DefaultDirectory"/> as <c>{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz</c>.</remarks>
public static class FashionMnist
{
    /// <summary>Where <c>apt-get install -y dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>How to obtain the files, quoted in <see cref="DatasetNotFoundException"/> messages.</summary>
    public const string InstallHint =
        "Install Fashion-MNIST with `apt-get install -y dataset-fashion-mnist` (files appear in " + DefaultDirectory +
        "/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz), or pass the directory holding those four files.";

    /// <summary>The ten class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Shape of one image: 1 channel × 28 × 28.</summary>
    public static IReadOnlyList<int> ImageShape { get; } = [1, 28, 28];

    /// <summary>The 60,000 training images, scaled to [0, 1] (not normalised).</summary>
    /// <param name="directory">Directory holding the files; <see cref="DefaultDirectory"/> when null.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> samples (for quick runs).</param>
    public static Dataset LoadTrain(string? directory = null, int? limit = null) => LoadSplit(directory, "train", limit);

    /// <summary>The 10,000 test images, scaled to [0, 1] (not normalised).</summary>
    /// <param name="directory">Directory holding the files; <see cref="DefaultDirectory"/> when null.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> samples.</param>
    public static Dataset LoadTest(string? directory = null, int? limit = null) => LoadSplit(directory, "t10k", limit);

    /// <summary>Both splits, scaled to [0, 1] and then normalised with <paramref name="normalization"/>, or, when null,
    /// with the mean and standard deviation of the (possibly limited) training set (about 0.2860 / 0.3530 for all of it).</summary>
    public static (Dataset Train, Dataset Test) Load(string? directory = null, Normalization? normalization = null,
        int? trainLimit = null, int? testLimit = null)
    {
        var train = LoadTrain(directory, trainLimit);
        var test = LoadTest(directory, testLimit);
        var norm = normalization ?? Normalization.Compute(train);
        train.Normalize(norm);
        test.Normalize(norm);
        return (train, test);
    }

    private static Dataset LoadSplit(string? directory, string split, int? limit)
    {
        directory ??= DefaultDirectory;
        string images = Resolve(directory, $"{split}-images-idx3-ubyte");
        string labels = Resolve(directory, $"{split}-labels-idx1-ubyte");
        return IdxDataset.Load(images, labels, ClassNames, $"fashion-mnist/{(split == "t10k" ? "test" : "train")}", limit);
    }

    /// <summary>Returns <c>name.gz</c> or <c>name</c> in <paramref name="directory"/>, whichever exists.</summary>
    private static string Resolve(string directory, string name)
    {
        string gz = Path.Combine(directory, name + ".gz");
        if (File.Exists(gz)) return gz;
        string raw = Path.Combine(directory, name);
        if (File.Exists(raw)) return raw;
        throw new DatasetNotFoundException(
            $"Fashion-MNIST file '{gz}' (or '{raw}') does not exist. {InstallHint}", gz);
    }
}

/// <summary>Builds a <see cref="Dataset"/> from an IDX image file and an IDX label file.</summary>
public static class IdxDataset
{
    /// <summary>Reads the pair, checks that they hold the same number of items, and scales the pixels to [0, 1].</summary>
    /// <param name="imagesPath">IDX file of unsigned-byte images, <c>[count, rows, columns]</c>.</param>
    /// <param name="labelsPath">IDX file of unsigned-byte labels, <c>[count]</c>.</param>
    /// <param name="classNames">One name per class.</param>
    /// <param name="name">Data set name for messages.</param>
    /// <param name="limit">Keep only the first <paramref name="limit"/> samples.</param>
    /// <exception cref="DataFormatException">A file is invalid or the counts differ.</exception>
    public static Dataset Load(string imagesPath, string labelsPath, IReadOnlyList<string> classNames, string? name = null, int? limit = null)
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        name ??= Path.GetFileName(imagesPath);
        if (images.Count != labels.Count)
            throw new DataFormatException(
                $"{name}: '{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {labels.Count} labels; they must pair one to one.", imagesPath);

        int count = Math.Min(images.Count, limit ?? int.MaxValue);
        int rows = images.Dimensions[1], cols = images.Dimensions[2];
        int length = rows * cols;
        var pixels = new float[(long)count * length];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data[i] / 255f; // as torchvision's ToTensor
        var ints = new int[count];
        for (int i = 0; i < count; i++) ints[i] = labels.Data[i];
        return new Dataset(pixels, ints, [1, rows, cols], classNames, name);
    }
}
