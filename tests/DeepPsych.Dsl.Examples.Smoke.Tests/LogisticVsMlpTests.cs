namespace DeepPsych.Dsl.Examples.Smoke.Tests;

public sealed class LogisticVsMlpTests
{
    [Fact]
    public void A_line_fails_on_the_circle_while_squares_or_a_hidden_layer_succeed()
    {
        var run = ExampleRun.Start("LogisticVsMlp", "--quick").Succeeded();
        double Accuracy(string model) => run.Numbers($@"^{model}.*\| test loss \S+ accuracy (\S+) %$")[0];
        Assert.InRange(Accuracy(@"logistic regression on \(x₁, x₂\) "), 0, 70);
        Assert.InRange(Accuracy(@"logistic regression on \(x₁, x₂, x₁², x₂²\)"), 90, 100);
        Assert.InRange(Accuracy("MLP"), 90, 100);
        run.Png("logistic_vs_mlp.png", 900, 300);
    }
}
