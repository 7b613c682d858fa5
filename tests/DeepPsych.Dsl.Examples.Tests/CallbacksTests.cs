using DeepPsych.Dsl.Training;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Examples.Tests;

public sealed class CallbacksTests
{
    [Theory]
    [InlineData(40)]
    [InlineData(60)]
    [InlineData(80)]
    [InlineData(120)]
    [InlineData(250)]
    public void The_live_bar_fits_the_terminal(int width)
    {
        var layout = ProgressLayout.For(width);
        // Spectre lays out: description, bar, percentage ("100%"), remaining ("00:00:00"), one space between columns.
        int fixedColumns = layout.BarWidth + ProgressLayout.PercentageWidth + ProgressLayout.RemainingWidth + 3;
        Assert.True(layout.DescriptionWidth + fixedColumns <= width - 1 || width < 40, $"{layout} does not fit {width}");
        var figures = new RunningFigures();
        var batch = new BatchEndInfo(Epoch: 9, Batch: 937, BatchesPerEpoch: 938, Step: 9380, Loss: 0.3123f, LearningRate: 0.01f,
            GradientNorm: float.NaN, Samples: 64, Correct: 60, TotalEpochs: 10);
        figures.Add(batch);
        string description = figures.Describe(batch, layout.DescriptionWidth);
        Assert.True(description.Length <= layout.DescriptionWidth, $"'{description}' ({description.Length}) is wider than {layout.DescriptionWidth}");
        Assert.Contains("10/10", description);
        if (width >= 120) Assert.Contains("img/s", description);
    }
}
