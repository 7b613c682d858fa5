namespace DeepPsych.Dsl.Testing.Tests.GradientChecks;

/// <summary>The single-op check, with ops written out here as forward/backward delegates.</summary>
public class OpGradientCheckTests
{
    // y[o] = Σᵢ W[o,i] x[i] — a 3x4 matrix-vector product.
    private static void MatVec(IReadOnlyList<float[]> p, float[] y)
    {
        var (w, x) = (p[0], p[1]);
        for (int o = 0; o < 3; o++) { float s = 0; for (int i = 0; i < 4; i++) s += w[o * 4 + i] * x[i]; y[o] = s; }
    }

    private static void MatVecBackward(IReadOnlyList<float[]> p, float[] y, float[] dy, IReadOnlyList<float[]> d, bool transposeBug)
    {
        var (w, x) = (p[0], p[1]);
        for (int o = 0; o < 3; o++)
            for (int i = 0; i < 4; i++)
            {
                d[0][o * 4 + i] += dy[o] * x[i];
                d[1][i] += dy[o] * (transposeBug ? w[(i % 3) * 4 + o % 4] : w[o * 4 + i]);
            }
    }

    private static OpInput[] Inputs() => [OpInput.Random("W", [3, 4], 1), OpInput.Random("x", [4], 2)];

    [Fact]
    public void A_correct_op_passes()
    {
        var report = GradientCheck.AssertOp("matvec", Inputs(), 3, MatVec, (p, y, dy, d) => MatVecBackward(p, y, dy, d, false));
        Assert.Equal(["W", "x"], report.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void A_transposed_index_in_backward_fails_on_the_input_gradient_only()
    {
        var report = GradientCheck.CheckOp("matvec", Inputs(), 3, MatVec, (p, y, dy, d) => MatVecBackward(p, y, dy, d, true));
        Assert.True(report.Tensors[0].Passed);
        Assert.False(report.Tensors[1].Passed);
        Assert.Throws<GradientCheckException>(() => report.ThrowIfFailed());
    }

    [Fact]
    public void Inputs_marked_not_differentiable_are_not_checked_and_values_are_restored()
    {
        var inputs = Inputs();
        inputs[0] = inputs[0] with { Differentiable = false };
        var before = inputs[1].Values.ToArray();
        var report = GradientCheck.AssertOp("matvec", inputs, 3, MatVec, (p, y, dy, d) => MatVecBackward(p, y, dy, d, false));
        Assert.Equal(["x"], report.Tensors.Select(t => t.Name));
        Assert.Equal(before, inputs[1].Values);
    }

    [Fact]
    public void A_relu_kink_inside_the_step_is_retried_at_a_smaller_step_and_counted()
    {
        // x = 3e-3: the step at scale 1 is 4.9e-3, so [x − h, x + h] straddles the kink at 0; at h/8 it does not.
        var x = new OpInput("x", [3], [3e-3f, 0.7f, -0.4f]);
        var report = GradientCheck.AssertOp("relu", [x], 3,
            (p, y) => { for (int i = 0; i < 3; i++) y[i] = Math.Max(p[0][i], 0f); },
            (p, y, dy, d) => { for (int i = 0; i < 3; i++) d[0][i] += y[i] > 0 ? dy[i] : 0f; },
            new GradientCheckOptions { MinimumScale = 1.0 });
        Assert.Equal(1, report.Tensors[0].NonSmooth);
        Assert.Contains("1 kink", report.ToString());
    }

    [Fact]
    public void A_kink_that_never_leaves_the_step_is_skipped_or_with_skipping_off_fails()
    {
        // x = 1e-5: even h/16 ≈ 3e-4 straddles 0, so the coordinate has no derivative to compare at these steps.
        var relu = (OpForward)((p, y) => y[0] = Math.Max(p[0][0], 0f));
        var reluBackward = (OpBackward)((p, y, dy, d) => d[0][0] += y[0] > 0 ? dy[0] : 0f);
        var skipping = GradientCheck.CheckOp("relu", [new OpInput("x", [4], [1e-5f, 0.5f, 0.6f, 0.7f])], 1, relu, reluBackward, new GradientCheckOptions { MinimumScale = 1.0 });
        Assert.True(skipping.Passed, skipping.ToString());
        Assert.Equal(1, skipping.Tensors[0].Skipped);
        var x = new OpInput("x", [1], [1e-5f]);
        var report = GradientCheck.CheckOp("relu", [x], 1,
            (p, y) => y[0] = Math.Max(p[0][0], 0f),
            (p, y, dy, d) => d[0][0] += y[0] > 0 ? dy[0] : 0f,
            new GradientCheckOptions { MinimumScale = 1.0, SkipNonDifferentiable = false });
        Assert.False(report.Passed);
    }

    [Fact]
    public void Smooth_ops_are_checked_to_far_below_the_tolerance()
    {
        // tanh, in float32: the measured worst relative error documents how much room the 1e-2 tolerance leaves.
        var x = OpInput.Random("x", [50], 3);
        var report = GradientCheck.AssertOp("tanh", [x], 50,
            (p, y) => { for (int i = 0; i < 50; i++) y[i] = MathF.Tanh(p[0][i]); },
            (p, y, dy, d) => { for (int i = 0; i < 50; i++) d[0][i] += dy[i] * (1 - y[i] * y[i]); });
        Assert.True(report.Tensors[0].ToleranceUsed < 0.1, report.ToString());
    }
}
