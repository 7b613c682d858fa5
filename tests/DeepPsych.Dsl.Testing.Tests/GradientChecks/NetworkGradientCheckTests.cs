using DeepPsych.Dsl.Testing.Tests.Models;

namespace DeepPsych.Dsl.Testing.Tests.GradientChecks;

/// <summary>The gradient check against hand-written networks whose gradients are exact (and deliberately broken copies).</summary>
public class NetworkGradientCheckTests
{
    [Theory]
    [InlineData(Loss.MeanSquaredError)]
    [InlineData(Loss.SoftmaxCrossEntropy)]
    public void Exact_gradients_pass_at_every_coordinate(Loss loss)
    {
        var report = GradientCheck.Assert(new HandLinear(5, 3, loss));
        Assert.True(report.Passed);
        Assert.All(report.Tensors, t => Assert.False(t.Sampled));
        Assert.Equal(15, report.Tensors[0].Coordinates.Count);
        // The numeric side is far more exact than the tolerance: a correct float32 gradient uses a few % of it at most.
        Assert.All(report.Tensors, t => Assert.True(t.ToleranceUsed < 0.1, report.ToString()));
    }

    [Fact]
    public void Large_tensors_are_sampled_and_checked_along_random_directions()
    {
        var report = GradientCheck.Assert(new HandLinear(64, 10, Loss.SoftmaxCrossEntropy));
        var w = report.Tensors[0];
        Assert.True(w.Sampled);
        Assert.Equal(32, w.Coordinates.Count);
        Assert.Equal(3, w.Directions.Count);
        Assert.All(w.Directions, d => Assert.True(d.Passed));
        Assert.Contains("32/640 + 3 dir", report.ToString());
    }

    [Fact]
    public void A_gradient_scaled_by_1_1_fails_with_the_tensor_named()
    {
        var net = new BrokenGradient(new HandLinear(5, 3, Loss.SoftmaxCrossEntropy), "Linear.weight", 1.1f);
        var ex = Assert.Throws<GradientCheckException>(() => GradientCheck.Assert(net));
        var w = ex.Report.Tensors.Single(t => t.Name == "Linear.weight");
        Assert.False(w.Passed);
        Assert.True(ex.Report.Tensors.Single(t => t.Name == "Linear.bias").Passed);
        Assert.InRange(w.Worst!.Numeric / w.Worst.Analytic, 0.90, 0.92);   // numeric/analytic = 1/1.1
        Assert.Contains("FAIL", ex.Message);
        Assert.Contains("Linear.weight", ex.Message);
    }

    [Fact]
    public void A_sign_error_in_one_element_is_found_at_its_multi_index()
    {
        var net = new BrokenGradient(new HandLinear(5, 3, Loss.MeanSquaredError), "Linear.weight", onlyElement: 7);
        var report = GradientCheck.Check(net);
        Assert.False(report.Passed);
        var w = report.Tensors[0];
        Assert.Equal(1, w.FailedCoordinates);
        Assert.Equal(new[] { 1, 2 }, w.Worst!.Index);   // flat 7 in [3, 5]
        Assert.Equal(-w.Worst.Numeric, w.Worst.Analytic, 3);
        Assert.Contains("[1,2]", report.ToString());
    }

    [Fact]
    public void A_scaled_gradient_in_a_large_tensor_fails_the_directional_check()
    {
        var net = new BrokenGradient(new HandLinear(64, 10, Loss.SoftmaxCrossEntropy), "Linear.weight", 1.1f);
        var report = GradientCheck.Check(net);
        Assert.False(report.Passed);
        Assert.Contains(report.Tensors[0].Directions, d => !d.Passed);
    }

    [Fact]
    public void A_wrong_loss_value_is_caught_by_the_double_precision_reference()
    {
        var net = new WrongLoss(new HandLinear(4, 2, Loss.MeanSquaredError));
        var report = GradientCheck.Check(net);
        Assert.False(report.LossPassed);
        Assert.True(report.Tensors.All(t => t.Passed));
        Assert.Contains("MISMATCH", report.ToString());
    }

    [Fact]
    public void The_check_leaves_the_network_as_it_found_it()
    {
        var net = new HandLinear(6, 4, Loss.SoftmaxCrossEntropy);
        net.Step = 17;
        net.Gradients[3] = 42f;
        var parameters = net.Parameters.ToArray();
        var gradients = net.Gradients.ToArray();
        GradientCheck.Check(net, new GradientCheckOptions { Parameters = TestParameters.Seeded });
        Assert.Equal(parameters, net.Parameters);
        Assert.Equal(gradients, net.Gradients);
        Assert.Equal(17, net.Step);
    }

    [Fact]
    public void Same_seed_same_report_different_seed_different_batch()
    {
        var net = new HandLinear(5, 3, Loss.MeanSquaredError);
        string a = GradientCheck.Check(net).ToString(), b = GradientCheck.Check(net).ToString();
        string c = GradientCheck.Check(net, new GradientCheckOptions { Seed = 99 }).ToString();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Current_parameters_can_be_checked_and_are_used_as_they_are()
    {
        var net = new HandLinear(3, 2, Loss.MeanSquaredError);
        net.ParameterTensors[0].Values.Fill(0.5f);
        var report = GradientCheck.Assert(net, new GradientCheckOptions { Parameters = TestParameters.Current });
        Assert.Contains("parameters Current", report.Setup);
    }

    [Fact]
    public void An_explicit_batch_is_used()
    {
        var net = new HandLinear(2, 2, Loss.SoftmaxCrossEntropy);
        var batch = new TestBatch([1f, 2f, -1f, 0.5f], 2, labels: [0, 1]);
        var report = GradientCheck.Assert(net, batch);
        Assert.Contains("batch 2", report.Setup);
    }

    /// <summary>Returns a loss 1% off while its gradients stay right.</summary>
    private sealed class WrongLoss(HandLinear inner) : DelegatingNetwork(inner)
    {
        public override float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default) => 1.01f * Inner.ComputeGradients(input, labels, batch, outputs);
        public override float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default) => 1.01f * Inner.ComputeGradients(input, targets, batch, outputs);
        public override string? FirstNonFiniteLayer() => null;
    }
}
