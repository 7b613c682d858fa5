using System.Globalization;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Checkpoints;

namespace DeepPsych.Dsl.Tests.Optimizers;

public sealed class LearningRateSchedulesTests
{
    [Fact]
    public void Constant()
    {
        var s = new ConstantSchedule(0.3f);
        Assert.Equal(0.3f, s.LearningRate(0));
        Assert.Equal(0.3f, s.LearningRate(1_000_000));
    }

    [Fact]
    public void Step_decay()
    {
        var s = new StepSchedule(1f, StepSize: 10, Gamma: 0.5f);
        Assert.Equal(1f, s.LearningRate(0));
        Assert.Equal(1f, s.LearningRate(9));
        Assert.Equal(0.5f, s.LearningRate(10));
        Assert.Equal(0.25f, s.LearningRate(25));
    }

    [Fact]
    public void Cosine_with_warmup()
    {
        var s = new CosineSchedule(Max: 1f, TotalSteps: 110, WarmupSteps: 10, Min: 0.1f);
        Assert.Equal(0.1f, s.LearningRate(0), 6);   // (0 + 1) / 10
        Assert.Equal(0.5f, s.LearningRate(4), 6);   // (4 + 1) / 10
        Assert.Equal(1f, s.LearningRate(10), 6);    // cos(0) = 1 → max
        Assert.Equal(0.55f, s.LearningRate(60), 6); // half way: min + (max − min) / 2
        Assert.Equal(0.1f + 0.9f * 0.5f * (1 + MathF.Cos(MathF.PI * 0.25f)), s.LearningRate(35), 5);
        Assert.Equal(0.1f, s.LearningRate(110), 6);
        Assert.Equal(0.1f, s.LearningRate(500), 6);
    }

    [Fact]
    public void One_cycle_by_hand()
    {
        // max 1, 100 steps: initial 1/25 = 0.04, final 0.04/1e4 = 4e-6; warm-up ends at step 0.3·100 − 1 = 29.
        var s = new OneCycleSchedule(Max: 1f, TotalSteps: 100);
        Assert.Equal(0.04f, s.LearningRate(0), 7);
        Assert.Equal(1f, s.LearningRate(29), 6);
        // step 14: pct = 14/29, lr = 1 + (0.04 − 1)/2·(cos(π·14/29) + 1)
        Assert.Equal(1 + (0.04 - 1) / 2 * (Math.Cos(Math.PI * 14 / 29.0) + 1), s.LearningRate(14), 6);
        // step 64: pct = (64 − 29)/(99 − 29) = 0.5 → (1 + 4e-6)/2
        Assert.Equal((1 + 4e-6) / 2, s.LearningRate(64), 6);
        Assert.Equal(4e-6f, s.LearningRate(99), 9);
    }

    [TorchFact]
    public void One_cycle_matches_pytorch()
    {
        string output = TorchPython.Run("""
            p = torch.nn.Parameter(torch.zeros(1))
            opt = torch.optim.SGD([p], lr=0.1)
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=37, cycle_momentum=False)
            for _ in range(37):
                print(repr(opt.param_groups[0]['lr']))
                opt.step(); sched.step()
            """);
        var expected = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(37, expected.Length);
        var s = new OneCycleSchedule(0.5f, 37);
        for (int i = 0; i < expected.Length; i++) Assert.Equal((float)expected[i], s.LearningRate(i), 1e-6f);
    }
}

public sealed class GradientClippingTests
{
    [Fact]
    public void Clip_by_global_norm_returns_the_norm_before_clipping()
    {
        float[] g = [3f, 4f];
        float norm = GradientClipping.ClipByGlobalNorm(g, 1f);
        Assert.Equal(5f, norm);
        // PyTorch: coefficient = 1 / (5 + 1e-6)
        Assert.Equal(3.0 / (5 + 1e-6), g[0], 6);
        Assert.Equal(4.0 / (5 + 1e-6), g[1], 6);
    }

    [Fact]
    public void Small_gradients_are_left_alone()
    {
        float[] g = [3f, 4f];
        Assert.Equal(5f, GradientClipping.ClipByGlobalNorm(g, 10f));
        Assert.Equal([3f, 4f], g);
    }

    [Fact]
    public void Non_finite_norm_is_reported_not_spread()
    {
        float[] g = [float.NaN, 4f];
        Assert.True(float.IsNaN(GradientClipping.ClipByGlobalNorm(g, 1f)));
        Assert.Equal(4f, g[1]);
    }

    [Fact]
    public void Clip_by_value()
    {
        float[] g = [-3f, -0.5f, 0f, 0.5f, 3f];
        GradientClipping.ClipByValue(g, 1f);
        Assert.Equal([-1f, -0.5f, 0f, 0.5f, 1f], g);
    }
}
