namespace Examples.Plotting;

/// <summary>Plot axes shared by the examples (linked into examples/Overfitting): epochs as whole numbers, and one
/// y-range for plots that are meant to be compared side by side.</summary>
internal static class Plots
{
    /// <summary>An x-axis of whole epochs 1..<paramref name="epochs"/>: integer ticks only (every k-th when there are many),
    /// and half an epoch of margin on each side, so one epoch does not span −0.1…2.1.</summary>
    public static void EpochAxis(ScottPlot.Plot plot, int epochs)
    {
        epochs = Math.Max(1, epochs);
        int every = Math.Max(1, (int)Math.Ceiling(epochs / 10.0));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int e = 1; e <= epochs; e++)
            if ((e - 1) % every == 0 || e == epochs) ticks.AddMajor(e, e.ToString());
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(0.5, epochs + 0.5);
        plot.XLabel("epoch");
    }

    /// <summary>A y-range from 0 to just above the largest finite value of all <paramref name="series"/>, so several plots
    /// drawn with it share one scale.</summary>
    public static (double Bottom, double Top) SharedRange(IEnumerable<IEnumerable<double>> series)
    {
        double max = series.SelectMany(s => s).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        return (0, max * 1.05);
    }
}
