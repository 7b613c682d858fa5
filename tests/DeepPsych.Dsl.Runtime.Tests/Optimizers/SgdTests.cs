using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Training;

namespace DeepPsych.Dsl.Tests.Optimizers;

public sealed class SgdTests
{
    // Two steps on p0 = [1, 2, 3] with the given gradients; lr = 0.1 throughout.
    private static readonly float[] s_g1 = [1f, -2f, 0.5f];
    private static readonly float[] s_g2 = [0.5f, 1f, -1f];

    private static float[] TwoSteps(Optimizer optimizer)
    {
        float[] p = [1f, 2f, 3f];
        optimizer.Step(p, s_g1);
        optimizer.Step(p, s_g2);
        return p;
    }

    [Fact]
    public void Plain_sgd_by_hand()
    {
        // p1 = p0 − 0.1·g1 = [0.9, 2.2, 2.95];  p2 = p1 − 0.1·g2 = [0.85, 2.1, 3.05]
        var p = TwoSteps(new Sgd(0.1f));
        Assert.Equal([0.85f, 2.1f, 3.05f], p, Tolerance(1e-6f));
    }

    [Fact]
    public void Momentum_by_hand()
    {
        // step 1: buf = g1 = [1, −2, 0.5]                    p1 = [1 − 0.1, 2 + 0.2, 3 − 0.05]      = [0.9, 2.2, 2.95]
        // step 2: buf = 0.9·buf + g2 = [1.4, −0.8, −0.55]     p2 = [0.9 − 0.14, 2.2 + 0.08, 2.95 + 0.055] = [0.76, 2.28, 3.005]
        var p = TwoSteps(new Sgd(0.1f, momentum: 0.9f));
        Assert.Equal([0.76f, 2.28f, 3.005f], p, Tolerance(1e-6f));
    }

    [Fact]
    public void Nesterov_by_hand()
    {
        // step 1: buf = g1 = [1, −2, 0.5];      g = g1 + 0.9·buf = [1.9, −3.8, 0.95]      p1 = [0.81, 2.38, 2.905]
        // step 2: buf = [1.4, −0.8, −0.55];     g = g2 + 0.9·buf = [1.76, 0.28, −1.495]    p2 = [0.81 − 0.176, 2.38 − 0.028, 2.905 + 0.1495]
        var p = TwoSteps(new Sgd(0.1f, momentum: 0.9f, nesterov: true));
        Assert.Equal([0.634f, 2.352f, 3.0545f], p, Tolerance(1e-6f));
    }

    [Fact]
    public void Coupled_weight_decay_by_hand()
    {
        // step 1: g = g1 + 0.1·p0 = [1.1, −1.8, 0.8]             p1 = [0.89, 2.18, 2.92]
        // step 2: g = g2 + 0.1·p1 = [0.589, 1.218, −0.708]       p2 = [0.8311, 2.0582, 2.9908]
        var p = TwoSteps(new Sgd(0.1f, weightDecay: 0.1f));
        Assert.Equal([0.8311f, 2.0582f, 2.9908f], p, Tolerance(1e-6f));
    }

    [Fact]
    public void Dampening_applies_from_the_second_step_as_in_pytorch()
    {
        // step 1: buf = g1 (PyTorch initialises the buffer undampened)   p1 = [0.9, 2.2, 2.95]
        // step 2: buf = 0.9·g1 + 0.5·g2 = [1.15, −1.3, −0.05]            p2 = [0.785, 2.33, 2.955]
        var p = TwoSteps(new Sgd(0.1f, momentum: 0.9f, dampening: 0.5f));
        Assert.Equal([0.785f, 2.33f, 2.955f], p, Tolerance(1e-6f));
    }

    [Fact]
    public void Biases_can_be_excluded_from_weight_decay()
    {
        var net = new SoftmaxRegression(features: 2, classes: 2);
        net.Parameters.AsSpan().Fill(1f); // weights and biases all 1, gradients all 0
        var optimizer = new Sgd(0.1f, weightDecay: 0.5f) { DecayBiases = false };
        optimizer.Step(net);
        // weights: 1 − 0.1·(0 + 0.5·1) = 0.95; biases untouched
        Assert.All(net.ParameterTensors[0].Values.ToArray(), w => Assert.Equal(0.95f, w, 6));
        Assert.All(net.ParameterTensors[1].Values.ToArray(), b => Assert.Equal(1f, b));

        net.Parameters.AsSpan().Fill(1f);
        new Sgd(0.1f, weightDecay: 0.5f).Step(net);
        Assert.All(net.Parameters, v => Assert.Equal(0.95f, v, 6));
    }

    [Fact]
    public void Nesterov_needs_momentum()
    {
        Assert.Throws<ArgumentException>(() => new Sgd(0.1f, nesterov: true));
    }

    [Fact]
    public void Converges_on_a_quadratic()
    {
        var distance = QuadraticBowl.Minimise(new Sgd(0.05f, momentum: 0.9f, nesterov: true), steps: 300);
        Assert.True(distance < 1e-3, $"distance to the minimum {distance}");
    }

    [Fact]
    public void State_round_trips_and_resumes_identically()
    {
        var a = new Sgd(0.1f, momentum: 0.9f);
        float[] pa = [1f, 2f, 3f];
        a.Step(pa, s_g1);

        var b = new Sgd(0.5f); // other hyper-parameters: the import restores them
        b.ImportState(a.ExportState());
        Assert.Equal(0.9f, b.Momentum);
        Assert.Equal(1, b.StepCount);
        float[] pb = (float[])pa.Clone();
        a.Step(pa, s_g2);
        b.Step(pb, s_g2);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public void State_of_another_kind_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new Sgd(0.1f).ImportState(new Adam().ExportState()));
        Assert.Contains("'adam'", e.Message);
    }

    // The vector loop (Sgd.UpdateVectors) against the documented per-element rule written out here, bit for bit (signed
    // zeros included), over lengths with a scalar tail at every vector width, zero gradients of both signs, parameters at
    // ±0, and three steps so the first-step buffer and the later ones are both checked.
    [Theory]
    [InlineData(0f, 0f, false, 0f)]
    [InlineData(0.9f, 0f, false, 0f)]
    [InlineData(0.9f, 0f, true, 0f)]
    [InlineData(0.9f, 0.5f, false, 0f)]
    [InlineData(0f, 0f, false, 5e-2f)]
    [InlineData(0.9f, 0f, true, 5e-2f)]
    public void Long_arrays_step_bit_identically_to_the_rule(float momentum, float dampening, bool nesterov, float decay)
    {
        foreach (int length in new[] { 1007, 1024, 5 })
        {
            var random = new Random(length);
            float[] p = Values(random, length), expected = (float[])p.Clone(), buffer = new float[length];
            var sgd = new Sgd(0.1f, momentum, decay, nesterov, dampening);
            for (int step = 1; step <= 3; step++)
            {
                float[] g = Values(random, length);
                sgd.Step(p, g);
                StepByRule(expected, g, null, buffer, step, 0.1f, momentum, decay, nesterov, dampening);
                AssertBitIdentical(expected, p);
            }
        }
    }

    [Fact]
    public void Masked_weight_decay_on_long_arrays_steps_bit_identically_to_the_rule()
    {
        var net = new SoftmaxRegression(features: 33, classes: 31);   // 1,023 weights, then 31 biases
        var random = new Random(3);
        Values(random, net.Parameters.Length).CopyTo(net.Parameters, 0);
        float[] expected = (float[])net.Parameters.Clone(), buffer = new float[expected.Length], mask = new float[expected.Length];
        foreach (var t in net.ParameterTensors) mask.AsSpan(t.Offset, t.Length).Fill(t.IsBias ? 0f : 1f);
        var sgd = new Sgd(0.1f, 0.9f, 5e-2f, nesterov: true) { DecayBiases = false };
        for (int step = 1; step <= 3; step++)
        {
            Values(random, expected.Length).CopyTo(net.Gradients, 0);
            StepByRule(expected, net.Gradients, mask, buffer, step, 0.1f, 0.9f, 5e-2f, true, 0f);
            sgd.Step(net);
            AssertBitIdentical(expected, net.Parameters);
        }
    }

    private static float[] Values(Random random, int length)
    {
        var v = new float[length];
        for (int i = 0; i < length; i++)
            v[i] = (i % 7) switch { 0 => 0f, 1 => -0f, _ => (float)(random.NextDouble() * 4 - 2) };
        return v;
    }

    private static void StepByRule(float[] p, float[] grad, float[]? mask, float[] buffer, int step, float lr, float mu,
        float wd, bool nesterov, float dampening)
    {
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i], lambda = mask is null ? wd : wd * mask[i];
            if (lambda != 0) g += lambda * p[i];
            if (mu != 0)
            {
                buffer[i] = step == 1 ? g : mu * buffer[i] + (1f - dampening) * g;
                g = nesterov ? g + mu * buffer[i] : buffer[i];
            }
            p[i] -= lr * g;
        }
    }

    private static void AssertBitIdentical(float[] expected, float[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"element {i} of {expected.Length}: expected {expected[i]:R}, got {actual[i]:R}");
    }

    internal static IEqualityComparer<float> Tolerance(float tolerance) =>
        EqualityComparer<float>.Create((x, y) => Math.Abs(x - y) <= tolerance * Math.Max(1, Math.Abs(y)), x => 0);
}

/// <summary>f(p) = ½ Σ aᵢ (pᵢ − cᵢ)², an ill-conditioned bowl (a from 0.5 to 5) with its minimum at c.</summary>
internal static class QuadraticBowl
{
    public static double Minimise(Optimizer optimizer, int steps)
    {
        const int n = 10;
        var p = new float[n];
        var g = new float[n];
        for (int s = 0; s < steps; s++)
        {
            for (int i = 0; i < n; i++) g[i] = A(i) * (p[i] - C(i));
            optimizer.Step(p, g);
        }
        double distance = 0;
        for (int i = 0; i < n; i++) distance = Math.Max(distance, Math.Abs(p[i] - C(i)));
        return distance;
    }

    private static float A(int i) => 0.5f + 0.5f * i;
    private static float C(int i) => (i % 3) - 1 + 0.25f * i;
}
