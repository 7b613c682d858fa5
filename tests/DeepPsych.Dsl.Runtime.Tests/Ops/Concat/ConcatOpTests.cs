using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Concat;

public class ConcatOpTests
{
    [Fact]
    public void Four_branches_fill_their_channel_slices_and_get_their_gradient_slices_back()
    {
        // An Inception-style concat: branches of 1, 3, 2 and 1 channels on a 3x5 plane, batch 2.
        const int n = 2, s = 15;
        int[] channels = [1, 3, 2, 1];
        int total = channels.Sum();
        var xs = channels.Select((c, i) => TestData.Uniform(i + 1, n * c * s)).ToArray();
        var y = new float[n * total * s];
        for (int k = 0, offset = 0; k < channels.Length; offset += channels[k], k++)
            ConcatOp.Forward(n, channels[k], total, offset, s, xs[k], y);
        for (int b = 0; b < n; b++)
            for (int k = 0, offset = 0; k < channels.Length; offset += channels[k], k++)
                for (int c = 0; c < channels[k]; c++)
                    for (int p = 0; p < s; p++)
                        Assert.Equal(xs[k][(b * channels[k] + c) * s + p], y[(b * total + offset + c) * s + p]);

        var dy = TestData.Uniform(9, y.Length);
        for (int k = 0, offset = 0; k < channels.Length; offset += channels[k], k++)
        {
            var dx = TestData.Uniform(20 + k, xs[k].Length); var dx0 = (float[])dx.Clone();
            ConcatOp.Backward(n, channels[k], total, offset, s, dy, dx);
            for (int b = 0; b < n; b++)
                for (int c = 0; c < channels[k]; c++)
                    for (int p = 0; p < s; p++)
                    {
                        int i = (b * channels[k] + c) * s + p;
                        Assert.Equal(dx0[i] + dy[(b * total + offset + c) * s + p], dx[i]);
                    }
        }
    }

    [Fact]
    public void A_slice_outside_the_output_channels_is_named()
    {
        var e = Assert.Throws<ArgumentException>(() => ConcatOp.Forward(1, 3, 4, 2, 5, new float[15], new float[20]));
        Assert.Contains("channels [2, 5)", e.Message);
    }
}
