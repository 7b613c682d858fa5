namespace DeepPsych.Dsl.Examples.Smoke.Tests;

public sealed class PlaygroundTests
{
    [Fact]
    public void Trains_on_every_data_set_and_draws_one_row_of_stages_each()
    {
        var run = ExampleRun.Start("Playground", "--quick").Succeeded();
        foreach (var dataset in new[] { "circle", "xor", "gauss", "spiral" })
            Assert.Matches($@"(?m)^{dataset}\s+after 12 epochs: train loss \S+, test loss \S+, test accuracy \S+ %$", run.Output);
        Assert.InRange(run.Numbers(@"^gauss\s+after .* test accuracy (\S+) %$")[0], 95, 100);
        var (_, height) = run.Png("playground_all_tanh.png", 700, 900);   // --quick: stages 0, 2 and 12
        Assert.True(height > 4 * 200, $"four rows of 200-pixel panels need more than {height} pixels");
    }

    [Fact]
    public void An_unknown_activation_is_an_error_naming_the_choices()
    {
        var run = ExampleRun.Start("Playground", "--quick", "--activation", "softmax");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unknown activation 'softmax'; use tanh, relu, sigmoid, linear.", run.Errors);
    }
}
