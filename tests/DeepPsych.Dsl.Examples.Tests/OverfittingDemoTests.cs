using DeepPsych.Dsl.Training;
using Examples.Overfitting;

namespace DeepPsych.Dsl.Examples.Tests;

public sealed class OverfittingDemoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-overfitting-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Refuses_to_overwrite_an_earlier_run_before_training()
    {
        File.WriteAllText(Path.Combine(_dir, "overfitting_1.png"), "earlier run");
        var output = new StringWriter();
        var error = new StringWriter();
        int code = OverfittingDemo.Run(["--output", _dir, "--epochs", "1"], output, error);
        Assert.Equal(2, code);
        Assert.Contains("is not empty; pass --overwrite", error.ToString());
        Assert.Equal("earlier run", File.ReadAllText(Path.Combine(_dir, "overfitting_1.png")));
        Assert.Equal("", output.ToString());
        Assert.Equal(2, OverfittingDemo.Run(["--epochs=0"], output, error));
    }

    [Fact]
    public void Every_loss_plot_uses_the_same_scale()
    {
        var low = new TrainingHistory { Epochs = [new EpochMetrics { Epoch = 0, TrainLoss = 0.2, ValLoss = 1.8 }] };
        var high = new TrainingHistory { Epochs = [new EpochMetrics { Epoch = 0, TrainLoss = 0.1, ValLoss = 3.0 }] };
        var range = OverfittingDemo.SharedRange([low, high]);
        Assert.Equal((0.0, 3.0 * 1.05), range);
        foreach (var history in new[] { low, high })
        {
            var plot = OverfittingDemo.LossPlot("x", history, range);
            plot.GetImage(300, 200);
            var limits = plot.Axes.GetLimits();
            Assert.Equal(0.0, limits.Bottom);
            Assert.Equal(3.0 * 1.05, limits.Top);
        }
    }
}
