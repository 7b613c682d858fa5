using DeepPsych.Dsl.Training;
using System.Text.RegularExpressions;
using Examples.FashionMnist;
using Spectre.Console;

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

    [Theory]
    [InlineData(60)]
    [InlineData(80)]
    public void Spectre_renders_the_live_bar_within_the_width(int width)
    {
        // A live (interactive, ANSI) console writing into a string: every rendered frame line, with the cursor codes
        // taken out, must be shorter than the terminal.
        var sw = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.Yes, Out = new AnsiConsoleOutput(sw) });
        console.Profile.Width = width;
        var layout = ProgressLayout.For(width);
        var figures = new RunningFigures();
        console.Progress().AutoClear(false).Columns(layout.Columns()).Start(ctx =>
        {
            var task = ctx.AddTask("starting", maxValue: 28140);
            for (int step = 1; step <= 28140; step += 7000)
            {
                var batch = new BatchEndInfo(step / 938 % 10, step % 938, 938, step, 0.3123f, 0.01f, float.NaN, 64, 60, 10);
                figures.Add(batch);
                task.Value = step;
                task.Description = Markup.Escape(figures.Describe(batch, layout.DescriptionWidth));
                ctx.Refresh();
            }
        });
        var lines = Regex.Replace(sw.ToString(), @"\x1b\[[0-9;?]*[A-Za-z]", "\n").Split('\n').Where(l => l.Trim().Length > 0).ToArray();
        Assert.Contains(lines, l => l.Contains('%') && l.Contains("loss"));
        Assert.All(lines, l => Assert.True(l.Length < width, $"'{l}' is {l.Length} columns wide"));
    }
}
