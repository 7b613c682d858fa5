using DeepPsych.Dsl.Data;

namespace DeepPsych.Dsl.Tests.Data;

/// <summary>A fact that is skipped, with the reason shown, when Fashion-MNIST is not installed.</summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    public FashionMnistFactAttribute()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install -y dataset-fashion-mnist).";
    }
}

public sealed class FashionMnistTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Class_names_are_the_ten_fashion_mnist_classes()
    {
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"], FashionMnist.ClassNames);
    }

    [Fact]
    public void Missing_directory_says_how_to_install()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => FashionMnist.LoadTrain(Path.Combine(_files.Root, "absent")));
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist", e.Message);
        Assert.Contains("train-images-idx3-ubyte.gz", e.Message);
    }

    [Fact]
    public void Loads_a_split_scaled_to_unit_range()
    {
        _files.WriteSplit("t10k", 5);
        var test = FashionMnist.LoadTest(_files.Root);
        Assert.Equal(5, test.Count);
        Assert.Equal([1, 28, 28], test.SampleShape);
        Assert.Equal(784, test.SampleLength);
        Assert.Equal(5 * 784, test.Images.Length);
        Assert.Equal([0, 1, 2, 3, 4], test.Labels);
        Assert.Equal(7f / 255f, test.Images[1]);
        Assert.All(test.Images, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Mismatched_image_and_label_counts_are_reported()
    {
        _files.WriteSplit("train", 4, labelCount: 3);
        var e = Assert.Throws<DataFormatException>(() => FashionMnist.LoadTrain(_files.Root));
        Assert.Contains("4 images", e.Message);
        Assert.Contains("3 labels", e.Message);
    }

    [Fact]
    public void Load_normalises_both_splits_with_training_statistics()
    {
        _files.WriteSplit("train", 6);
        _files.WriteSplit("t10k", 3);
        var rawTrain = FashionMnist.LoadTrain(_files.Root);
        var expected = Normalization.Compute(rawTrain);

        var (train, test) = FashionMnist.Load(_files.Root);
        Assert.Equal(expected, train.Normalization);
        Assert.Equal(expected, test.Normalization);
        var after = Normalization.Compute(train);
        Assert.Equal(0f, after.Mean, 4);
        Assert.Equal(1f, after.Std, 4);
        Assert.Equal((7f / 255f - expected.Mean) / expected.Std, test.Images[1], 5);
    }

    [Fact]
    public void Given_normalisation_is_used_as_is()
    {
        _files.WriteSplit("train", 2);
        _files.WriteSplit("t10k", 2);
        var (train, _) = FashionMnist.Load(_files.Root, new Normalization(0.5f, 0.25f));
        Assert.Equal((0f - 0.5f) / 0.25f, train.Images[0]);
    }

    [FashionMnistFact]
    public void Real_fashion_mnist_has_the_published_sizes_and_statistics()
    {
        var train = FashionMnist.LoadTrain();
        var test = FashionMnist.LoadTest();
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(6_000, train.Labels.Count(l => l == 9));
        var stats = Normalization.Compute(train);
        Assert.Equal(0.2860, stats.Mean, 3);
        Assert.Equal(0.3530, stats.Std, 3);
    }
}
