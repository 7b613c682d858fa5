using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Tests.Optimizers;

public sealed class AdamTests
{
    private static readonly float[] s_g1 = [1f, -2f];
    private static readonly float[] s_g2 = [0.5f, 1f];

    /// <summary>Adam written out in double for one element: returns the new p, m, v.</summary>
    private static (double P, double M, double V) ByHand(double p, double m, double v, double g, int t, double lr = 0.1,
        double b1 = 0.9, double b2 = 0.999, double eps = 1e-8)
    {
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        double mHat = m / (1 - Math.Pow(b1, t));
        double vHat = v / (1 - Math.Pow(b2, t));
        return (p - lr * mHat / (Math.Sqrt(vHat) + eps), m, v);
    }

    [Fact]
    public void Adam_by_hand()
    {
        // step 1: m = 0.1·g1 = [0.1, −0.2], v = 0.001·g1² = [0.001, 0.004]; m̂ = [1, −2], v̂ = [1, 4]
        //         p1 = p0 − 0.1·m̂ / (√v̂ + 1e-8) ≈ [1 − 0.1, 2 + 0.1] = [0.9, 2.1]
        // step 2: m = 0.9·m + 0.1·g2 = [0.14, −0.08], v = 0.999·v + 0.001·g2² = [0.001249, 0.004996]
        //         m̂ = m / 0.19, v̂ = v / 0.001999  →  p2 = p1 − 0.1·m̂ / (√v̂ + 1e-8) ≈ [0.806782, 2.126634]
        var optimizer = new Adam(learningRate: 0.1f);
        float[] p = [1f, 2f];
        optimizer.Step(p, s_g1);
        Assert.Equal([0.9f, 2.1f], p, SgdTests.Tolerance(1e-6f));
        optimizer.Step(p, s_g2);
        Assert.Equal([0.806782f, 2.126634f], p, SgdTests.Tolerance(2e-6f));

        // The same two steps in double, element by element.
        for (int i = 0; i < 2; i++)
        {
            var s1 = ByHand(i == 0 ? 1 : 2, 0, 0, s_g1[i], 1);
            var s2 = ByHand(s1.P, s1.M, s1.V, s_g2[i], 2);
            Assert.Equal(s2.P, p[i], 5);
        }
        var state = optimizer.ExportState();
        Assert.Equal([0.14f, -0.08f], state.Buffers["exp_avg"], SgdTests.Tolerance(1e-6f));
        Assert.Equal([0.001249f, 0.004996f], state.Buffers["exp_avg_sq"], SgdTests.Tolerance(1e-6f));
    }

    [Fact]
    public void Adam_weight_decay_is_coupled()
    {
        // step 1: g = g1 + 0.1·p0 = [1.1, −1.8]: p1 = [0.9, 2.1] (Adam's first step is ±lr whatever the size)
        // step 2: g = g2 + 0.1·p1 = [0.59, 1.21], then Adam as above with those gradients
        var optimizer = new Adam(learningRate: 0.1f, weightDecay: 0.1f);
        float[] p = [1f, 2f];
        optimizer.Step(p, s_g1);
        optimizer.Step(p, s_g2);
        for (int i = 0; i < 2; i++)
        {
            double p0 = i == 0 ? 1 : 2;
            var s1 = ByHand(p0, 0, 0, s_g1[i] + 0.1 * p0, 1);
            var s2 = ByHand(s1.P, s1.M, s1.V, s_g2[i] + 0.1 * s1.P, 2);
            Assert.Equal(s2.P, p[i], 5);
        }
        Assert.Equal(0.9 - 0.1 * ((0.9 * 0.11 + 0.059) / 0.19) / (Math.Sqrt((0.999 * 0.00121 + 0.001 * 0.59 * 0.59) / 0.001999) + 1e-8), p[0], 5);
    }

    [Fact]
    public void AdamW_weight_decay_is_decoupled()
    {
        // step 1: p ← p·(1 − 0.1·0.1) = [0.99, 1.98], then the Adam step ±0.1 → [0.89, 2.08]
        // step 2: p ← p·0.99 = [0.8811, 2.0592], then the Adam step of the undecayed g2 (as in Adam_by_hand)
        var optimizer = new AdamW(learningRate: 0.1f, weightDecay: 0.1f);
        float[] p = [1f, 2f];
        optimizer.Step(p, s_g1);
        Assert.Equal([0.89f, 2.08f], p, SgdTests.Tolerance(1e-6f));
        optimizer.Step(p, s_g2);
        double adamStep0 = 0.1 * (0.14 / 0.19) / (Math.Sqrt(0.001249 / 0.001999) + 1e-8);
        double adamStep1 = 0.1 * (-0.08 / 0.19) / (Math.Sqrt(0.004996 / 0.001999) + 1e-8);
        Assert.Equal(0.8811 - adamStep0, p[0], 5);
        Assert.Equal(2.0592 - adamStep1, p[1], 5);
    }

    [Fact]
    public void AdamW_defaults_follow_pytorch()
    {
        var o = new AdamW();
        Assert.Equal((1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f), (o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay));
        Assert.Equal("adamw", o.Kind);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Converges_on_a_quadratic(bool decoupled)
    {
        Optimizer optimizer = decoupled ? new AdamW(0.05f, weightDecay: 0) : new Adam(0.05f);
        var distance = QuadraticBowl.Minimise(optimizer, steps: 1500);
        Assert.True(distance < 1e-2, $"distance to the minimum {distance}");
    }

    [Fact]
    public void State_round_trips_and_resumes_identically()
    {
        var a = new AdamW(0.1f, weightDecay: 0.05f);
        float[] pa = [1f, 2f];
        a.Step(pa, s_g1);
        var b = new AdamW();
        b.ImportState(a.ExportState());
        Assert.Equal((0.1f, 0.05f, 1L), (b.LearningRate, b.WeightDecay, b.StepCount));
        float[] pb = (float[])pa.Clone();
        a.Step(pa, s_g2);
        b.Step(pb, s_g2);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public void Resizing_without_reset_is_refused()
    {
        var o = new Adam();
        o.Step(new float[3], new float[3]);
        Assert.Throws<ArgumentException>(() => o.Step(new float[4], new float[4]));
        o.Reset();
        o.Step(new float[4], new float[4]);
        Assert.Equal(1, o.StepCount);
    }
}
