namespace DeepPsych.Dsl.Examples.Smoke.Tests;

public sealed class ActivationsTests
{
    [Fact]
    public void Every_derivative_agrees_with_central_differences_and_the_figure_is_written()
    {
        // The program exits 1 when a derivative from ActivationOp.Backward disagrees with central differences of Forward.
        var run = ExampleRun.Start("Activations").Succeeded();
        foreach (var act in new[] { "Step", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus" })
            Assert.Matches($@"(?m)^{act}\s+\|.*\| \S+ ok$", run.Output);
        // f'(-2), f'(0), f'(2) against the textbook values: σ'(0) = 1/4, tanh'(0) = 1, softplus'(z) = σ(z).
        // (printed with 4 decimals)
        Close([0.25], run.Numbers(@"^Sigmoid\s+\| \S+\s+(\S+)"));
        Close([1.0], run.Numbers(@"^Tanh\s+\| \S+\s+(\S+)"));
        Close([1 / (1 + Math.Exp(2)), 0.5, 1 / (1 + Math.Exp(-2))], run.Numbers(@"^Softplus\s+\| (\S+)\s+(\S+)\s+(\S+)"));
        run.Png("activations.png", 1200, 700);
    }

    private static void Close(double[] expected, double[] printed)
    {
        Assert.Equal(expected.Length, printed.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - printed[i]) <= 1e-4, $"value {i}: expected {expected[i]:F4}, printed {printed[i]}");
    }
}
