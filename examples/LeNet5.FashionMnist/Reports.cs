using DeepPsych.Dsl;
using DeepPsych.Dsl.Training;
using Examples.Plotting;
using SkiaSharp;

namespace Examples.FashionMnist;

/// <summary>The PNG reports of a run: loss and accuracy curves, the confusion matrix, and the first convolution's learned filters.</summary>
public static class Reports
{
    public static void LossCurve(BatchCurve curve, TrainingHistory history, string path, string network)
    {
        var plot = new ScottPlot.Plot();
        var steps = curve.Points.Select(p => (double)p.Step).ToArray();
        var smoothed = Smooth(curve.Points.Select(p => (double)p.Loss).ToArray(), 50);
        var batches = plot.Add.ScatterLine(steps, smoothed);
        batches.LegendText = "training loss (mean of last 50 batches)";
        var epochs = history.Epochs.Where(e => e.ValLoss is not null).ToArray();
        if (epochs.Length > 0)
        {
            var test = plot.Add.Scatter(epochs.Select(e => (double)e.Steps).ToArray(), epochs.Select(e => e.ValLoss!.Value).ToArray());
            test.LegendText = "test loss (end of epoch)";
            test.MarkerSize = 10;
        }
        plot.Title($"{network} on Fashion-MNIST: loss");
        plot.XLabel("step");
        plot.YLabel("cross-entropy");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 900, 500);
    }

    public static void AccuracyCurve(TrainingHistory history, string path, string network) => AccuracyPlot(history, network).SavePng(path, 900, 500);

    /// <summary>Train and test accuracy per epoch, on an axis of whole epochs.</summary>
    public static ScottPlot.Plot AccuracyPlot(TrainingHistory history, string network)
    {
        var plot = new ScottPlot.Plot();
        double[] epochs = history.Epochs.Select(e => (double)e.Number).ToArray();
        var train = plot.Add.Scatter(epochs, history.Epochs.Select(e => (e.TrainAccuracy ?? double.NaN) * 100).ToArray());
        train.LegendText = "train (training mode, during the epoch)";
        var test = plot.Add.Scatter(epochs, history.Epochs.Select(e => (e.ValAccuracy ?? double.NaN) * 100).ToArray());
        test.LegendText = "test (after the epoch)";
        plot.Title($"{network} on Fashion-MNIST: accuracy");
        Plots.EpochAxis(plot, Math.Max(history.PlannedEpochs, history.Epochs.Count));
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        return plot;
    }

    public static void ConfusionMatrix(EvaluationResult result, string path)
    {
        int k = result.ConfusionMatrix.Length, cell = 72, left = 100, top = 70;
        using var bitmap = new SKBitmap(left + k * cell + 20, top + k * cell + 40);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 13);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText($"Confusion matrix (rows: true class, columns: predicted), accuracy {result.Accuracy:P2}", 10, 22, font, ink);
        for (int r = 0; r < k; r++)
        {
            int total = Math.Max(1, result.ConfusionMatrix[r].Sum());
            canvas.DrawText(Short(result.ClassNames[r]), 6, top + r * cell + cell / 2 + 5, font, ink);
            canvas.DrawText(Short(result.ClassNames[r]), left + r * cell + 2, top - 8, font, ink);
            for (int c = 0; c < k; c++)
            {
                double share = (double)result.ConfusionMatrix[r][c] / total;
                byte shade = (byte)(255 - Math.Round(share * 200));
                using var fill = new SKPaint { Color = r == c ? new SKColor(shade, 255, shade) : new SKColor(255, shade, shade) };
                canvas.DrawRect(left + c * cell, top + r * cell, cell - 1, cell - 1, fill);
                canvas.DrawText(result.ConfusionMatrix[r][c].ToString(), left + c * cell + 8, top + r * cell + cell / 2 + 5, font, ink);
            }
        }
        Save(bitmap, path);
    }

    /// <summary>A convolution's filters (the main job draws its first: LeNet-5's C1), each k×k kernel scaled up, grey levels spanning the filter's own min..max.</summary>
    public static void Filters(ParameterTensor weights, string path)
    {
        var shape = weights.Shape; // [out, in, kh, kw]
        int count = shape[0] * shape[1], kh = shape[2], kw = shape[3], scale = 24, gap = 8;
        using var bitmap = new SKBitmap(count * (kw * scale + gap) + gap, kh * scale + 2 * gap + 24);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var font = new SKFont(SKTypeface.Default, 13);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        var values = weights.Values.ToArray();
        for (int f = 0; f < count; f++)
        {
            var kernel = values.AsSpan(f * kh * kw, kh * kw);
            float min = float.MaxValue, max = float.MinValue;
            foreach (var v in kernel) { min = Math.Min(min, v); max = Math.Max(max, v); }
            int x0 = gap + f * (kw * scale + gap);
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                {
                    byte g = (byte)Math.Round(255 * (kernel[i * kw + j] - min) / Math.Max(1e-12f, max - min));
                    using var fill = new SKPaint { Color = new SKColor(g, g, g) };
                    canvas.DrawRect(x0 + j * scale, gap + i * scale, scale, scale, fill);
                }
            canvas.DrawText($"{weights.Name.Split('.')[0]}[{f}]", x0, kh * scale + gap + 18, font, ink);
        }
        Save(bitmap, path);
    }

    /// <summary>Column-wide class names: "T-shirt/top" → "T-shirt", "Ankle boot" → "Boot".</summary>
    private static string Short(string name) => name.Split('/')[0] is var s && s.StartsWith("Ankle ") ? "Boot" : name.Split('/')[0];

    private static void Save(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static double[] Smooth(double[] values, int window)
    {
        var result = new double[values.Length];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
