using DeepPsych.Dsl.Training;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Examples.Tests;

public sealed class ReportsTests
{
    private static TrainingHistory History(int epochs) => new()
    {
        PlannedEpochs = epochs,
        Epochs = [.. Enumerable.Range(0, epochs).Select(e => new EpochMetrics { Epoch = e, TrainAccuracy = 0.5 + e * 0.01, ValAccuracy = 0.5 })],
    };

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(60)]
    public void The_accuracy_plot_has_whole_epoch_ticks_and_a_margin_of_half_an_epoch(int epochs)
    {
        var plot = Reports.AccuracyPlot(History(epochs), "LeNet-5");
        plot.GetImage(400, 300); // lays out the axes
        var ticks = plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).ToArray();
        Assert.NotEmpty(ticks);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t.Position), t.Position));
        Assert.All(ticks, t => Assert.InRange(t.Position, 1, epochs));
        Assert.Contains(ticks, t => t.Position == epochs);
        Assert.True(ticks.Length <= 11, $"{ticks.Length} ticks");
        var limits = plot.Axes.GetLimits();
        Assert.Equal(0.5, limits.Left);
        Assert.Equal(epochs + 0.5, limits.Right);
    }
}
