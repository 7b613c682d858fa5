using DeepPsych.Dsl.Data;

namespace DeepPsych.Dsl.Tests.Data;

public sealed class AugmentationTests
{
    private static float[] Ramp(int length) => [.. Enumerable.Range(1, length).Select(i => (float)i)];

    [Fact]
    public void Horizontal_flip_mirrors_every_row_of_every_channel()
    {
        var sample = Ramp(2 * 2 * 3); // [2, 2, 3]
        var random = new SeededRandom(1);
        new HorizontalFlip(1.0).Apply(sample, [2, 2, 3], ref random);
        Assert.Equal([3f, 2, 1, 6, 5, 4, 9, 8, 7, 12, 11, 10], sample);
        new HorizontalFlip(0.0).Apply(sample, [2, 2, 3], ref random);
        Assert.Equal(3f, sample[0]);
    }

    [Fact]
    public void Random_crop_shifts_the_image_within_the_padding_and_fills_the_rest()
    {
        // Every draw is a shift (dy, dx) in [−2, 2]²: the output must equal the input moved by one such shift, with
        // Fill where the source falls outside. Check it against that reference for many draws.
        int h = 4, w = 5;
        var shifts = new HashSet<(int, int)>();
        for (int draw = 0; draw < 200; draw++)
        {
            var sample = Ramp(h * w);
            var random = SeededRandom.For(1, 0, draw);
            new RandomCrop(2, Fill: -1).Apply(sample, [1, h, w], ref random);
            var match = (from dy in Enumerable.Range(-2, 5)
                         from dx in Enumerable.Range(-2, 5)
                         where Enumerable.Range(0, h * w).All(i =>
                         {
                             int sy = i / w + dy, sx = i % w + dx;
                             float expected = sy >= 0 && sy < h && sx >= 0 && sx < w ? sy * w + sx + 1 : -1;
                             return sample[i] == expected;
                         })
                         select (dy, dx)).ToList();
            Assert.Single(match);
            shifts.Add(match[0]);
        }
        Assert.Equal(25, shifts.Count); // every shift occurs
    }

    [Fact]
    public void Augmented_batches_depend_only_on_seed_epoch_and_sample()
    {
        var images = new float[40 * 16];
        for (int i = 0; i < images.Length; i++) images[i] = i % 16 + i / 16 * 100;
        var data = new Dataset(images, new int[40], [1, 4, 4], ["x"], "grid");
        IAugmentation[] augment = [new RandomCrop(1), new HorizontalFlip()];
        float[] Epoch(int batchSize, bool prefetch, int epoch, int seed = 9)
        {
            // Gather the augmented samples by sample id (the id survives in the hundreds of every non-padded pixel).
            var bySample = new float[40 * 16];
            var loader = new BatchLoader(data, batchSize, seed: seed, prefetch: prefetch, augmentations: augment);
            foreach (var batch in loader.GetBatches(epoch))
                for (int i = 0; i < batch.Count; i++)
                {
                    var s = batch.Inputs.Slice(i * 16, 16);
                    int id = (int)(s.ToArray().Max() / 100);
                    s.CopyTo(bySample.AsSpan(id * 16, 16));
                }
            return bySample;
        }
        var a = Epoch(8, prefetch: true, epoch: 0);
        Assert.Equal(a, Epoch(5, prefetch: false, epoch: 0)); // batch size and prefetching change nothing
        Assert.NotEqual(a, Epoch(8, prefetch: true, epoch: 1));
        Assert.NotEqual(a, Epoch(8, prefetch: true, epoch: 0, seed: 10));
        Assert.NotEqual(images, a);                                // something was augmented
    }

    [Fact]
    public void Augmentations_need_image_samples()
    {
        var random = new SeededRandom(1);
        var e = Assert.Throws<ArgumentException>(() => new RandomCrop(2).Apply(new float[4], [4], ref random));
        Assert.Contains("[C, H, W]", e.Message);
    }
}
