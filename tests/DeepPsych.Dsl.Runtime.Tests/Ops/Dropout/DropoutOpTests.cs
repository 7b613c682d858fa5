using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Dropout;

public class DropoutOpTests
{
    [Theory]
    [InlineData(0.5f)]
    [InlineData(0.1f)]
    [InlineData(0.9f)]
    public void Keep_rate_is_close_to_one_minus_rate_and_kept_values_are_scaled(float rate)
    {
        const int n = 200_000;
        var x = TestData.Uniform(1, n); var y = new float[n]; var mask = new float[n];
        DropoutOp.Forward(rate, seed: 42, step: 7, firstElement: 0, x, y, mask);
        int kept = mask.Count(m => m != 0);
        double p = 1 - rate, sigma = Math.Sqrt(n * p * (1 - p));
        Assert.InRange(kept, n * p - 5 * sigma, n * p + 5 * sigma);   // 5σ: a false failure has probability < 1e-6
        float scale = 1f / (1f - rate);
        for (int i = 0; i < n; i++)
        {
            Assert.True(mask[i] == 0f || mask[i] == scale, $"mask[{i}] = {mask[i]}");
            Assert.Equal(x[i] * mask[i], y[i]);
        }
    }

    [Fact]
    public void Mask_does_not_depend_on_how_the_batch_is_sharded()
    {
        var x = TestData.Uniform(1, 8);
        var whole = new float[8]; var wholeMask = new float[8];
        DropoutOp.Forward(0.5f, 3, 11, 100, x, whole, wholeMask);

        var parts = new float[8]; var partMask = new float[8];
        DropoutOp.Forward(0.5f, 3, 11, 100, x.AsSpan(0, 4), parts.AsSpan(0, 4), partMask.AsSpan(0, 4));
        DropoutOp.Forward(0.5f, 3, 11, 104, x.AsSpan(4), parts.AsSpan(4), partMask.AsSpan(4));

        Assert.Equal(wholeMask, partMask);
        Assert.Equal(whole, parts);
    }

    [Fact]
    public void Different_steps_and_seeds_give_different_masks()
    {
        var x = new float[256]; var y = new float[256];
        var a = new float[256]; var b = new float[256]; var c = new float[256];
        DropoutOp.Forward(0.5f, 1, 1, 0, x, y, a);
        DropoutOp.Forward(0.5f, 1, 2, 0, x, y, b);
        DropoutOp.Forward(0.5f, 2, 1, 0, x, y, c);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Rate_zero_is_the_identity()
    {
        var x = TestData.Uniform(1, 33); var y = new float[33]; var mask = new float[33];
        DropoutOp.Forward(0f, 1, 1, 0, x, y, mask);
        Assert.Equal(x, y);
        Assert.All(mask, m => Assert.Equal(1f, m));
    }

    [Fact]
    public void Backward_accumulates_dy_times_mask()
    {
        var x = TestData.Uniform(1, 50); var y = new float[50]; var mask = new float[50];
        DropoutOp.Forward(0.3f, 5, 1, 0, x, y, mask);
        var dy = TestData.Uniform(2, 50); var dx = TestData.Uniform(3, 50); var dx0 = (float[])dx.Clone();
        DropoutOp.Backward(dy, mask, dx);
        for (int i = 0; i < 50; i++) Assert.Equal(dx0[i] + dy[i] * mask[i], dx[i]);
    }

    [Fact]
    public void Invalid_rate_and_lengths_throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutOp.Forward(1f, 1, 1, 0, new float[2], new float[2], new float[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => DropoutOp.Forward(-0.1f, 1, 1, 0, new float[2], new float[2], new float[2]));
        Assert.Throws<ArgumentException>(() => DropoutOp.Forward(0.5f, 1, 1, 0, new float[2], new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => DropoutOp.Backward(new float[2], new float[2], new float[1]));
    }
}
