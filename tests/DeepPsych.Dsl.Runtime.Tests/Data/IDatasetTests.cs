using DeepPsych.Dsl.Data;

namespace DeepPsych.Dsl.Tests.Data;

public sealed class IDatasetTests
{
    /// <summary>A lazily computed data set: sample i is [i, −i], label i % 2; counts how often it is read.</summary>
    private sealed class Computed(int count) : IDataset
    {
        public int Reads;
        public string Name => "computed";
        public int Count => count;
        public IReadOnlyList<int> SampleShape => [2];
        public int SampleLength => 2;
        public IReadOnlyList<string> ClassNames => ["even", "odd"];
        public int TargetLength => 0;
        public int Read(int index, Span<float> input, Span<float> target)
        {
            Interlocked.Increment(ref Reads);
            input[0] = index;
            input[1] = -index;
            return index % 2;
        }
    }

    [Fact]
    public void A_custom_lazy_data_set_is_batched_in_a_seeded_order()
    {
        var data = new Computed(50);
        var loader = new BatchLoader(data, 8, shuffle: true, seed: 3);
        var seen = new List<int>();
        foreach (var batch in loader.GetBatches(0))
            for (int i = 0; i < batch.Count; i++)
            {
                int index = (int)batch.Inputs[2 * i];
                Assert.Equal(-index, batch.Inputs[2 * i + 1]);
                Assert.Equal(index % 2, batch.Labels[i]);
                seen.Add(index);
            }
        Assert.Equal(50, data.Reads);
        Assert.Equal(Enumerable.Range(0, 50), seen.Order());
        var order = new int[50];
        SeededShuffle.EpochOrder(order, 50, 3, 0);
        Assert.Equal(order, seen);
    }

    [Fact]
    public void Validation_split_is_seeded_disjoint_and_complete()
    {
        var data = new Computed(100);
        var (train, validation) = data.SplitValidation(0.2, seed: 5);
        Assert.Equal(80, train.Count);
        Assert.Equal(20, validation.Count);
        var buffer = new float[2];
        int[] Indices(IDataset d) => [.. Enumerable.Range(0, d.Count).Select(i => { d.Read(i, buffer, default); return (int)buffer[0]; })];
        var t = Indices(train);
        var v = Indices(validation);
        Assert.Empty(t.Intersect(v));
        Assert.Equal(Enumerable.Range(0, 100), t.Concat(v).Order());
        Assert.Equal(v, Indices(data.SplitValidation(0.2, seed: 5).Validation));
        Assert.NotEqual(v, Indices(data.SplitValidation(0.2, seed: 6).Validation));
        Assert.Equal(data.ClassNames, validation.ClassNames);
    }

    [Fact]
    public void A_split_that_leaves_one_side_empty_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Computed(3).SplitValidation(0.1));
        Assert.Contains("both need at least one", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Computed(3).SplitValidation(1.0));
    }

    [Fact]
    public void Regression_batches_carry_the_targets_of_their_samples()
    {
        var inputs = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();          // 10 samples of 3
        var targets = Enumerable.Range(0, 20).Select(i => i * 0.5f).ToArray();          // 10 targets of 2
        var data = new RegressionDataset(inputs, targets, [3], targetLength: 2);
        Assert.Equal(10, data.Count);
        Assert.Empty(data.ClassNames);
        foreach (var batch in new BatchLoader(data, 4, seed: 1).GetBatches(0))
            for (int i = 0; i < batch.Count; i++)
            {
                int sample = (int)batch.Inputs[3 * i] / 3;
                Assert.Equal(-1, batch.Labels[i]);
                Assert.Equal(sample * 2 * 0.5f, batch.Targets[2 * i]);
                Assert.Equal((sample * 2 + 1) * 0.5f, batch.Targets[2 * i + 1]);
            }
        var e = Assert.Throws<DataFormatException>(() => new RegressionDataset(inputs, new float[9], [3], 2));
        Assert.Contains("pair one to one", e.Message);
    }
}
