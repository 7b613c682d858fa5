using DeepPsych.Dsl.Data;

namespace DeepPsych.Dsl.Tests.Data;

public sealed class DatasetTests
{
    private static readonly string[] s_two = ["a", "b"];

    [Fact]
    public void Image_and_label_counts_must_agree()
    {
        var e = Assert.Throws<DataFormatException>(() => new Dataset(new float[10], new int[3], [2, 2], s_two, "toy"));
        Assert.Contains("3 labels need 12 floats", e.Message);
        Assert.Contains("found 10", e.Message);
    }

    [Fact]
    public void Labels_must_be_valid_classes()
    {
        var e = Assert.Throws<DataFormatException>(() => new Dataset(new float[4], [0, 2], [2], s_two, "toy"));
        Assert.Contains("label 2 of sample 1", e.Message);
    }

    [Fact]
    public void Normalising_twice_is_refused()
    {
        var data = new Dataset([0f, 1f, 2f, 3f], [0, 1], [2], s_two);
        data.Normalize(new Normalization(1.5f, 2f));
        Assert.Equal([-0.75f, -0.25f, 0.25f, 0.75f], data.Images);
        Assert.Throws<InvalidOperationException>(() => data.Normalize(new Normalization(0, 1)));
    }

    [Fact]
    public void Normalization_is_the_population_mean_and_std()
    {
        var n = Normalization.Compute([1f, 2f, 3f, 4f]);
        Assert.Equal(2.5f, n.Mean);
        Assert.Equal(MathF.Sqrt(1.25f), n.Std, 6);
    }

    [Fact]
    public void Slice_copies_samples_and_labels()
    {
        var data = new Dataset([0f, 1f, 2f, 3f, 4f, 5f], [0, 1, 0], [2], s_two);
        var slice = data.Slice(1, 2);
        Assert.Equal([2f, 3f, 4f, 5f], slice.Images);
        Assert.Equal([1, 0], slice.Labels);
    }
}
