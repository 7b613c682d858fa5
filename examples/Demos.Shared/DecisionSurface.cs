using DeepPsych.Dsl;
using DeepPsych.Dsl.Data;
using SkiaSharp;

namespace Examples.Demos;

/// <summary>The playground's picture of a two-class network on [-6, 6]²: the background is the network's probability
/// of the positive class (orange 0 … white 0.5 … blue 1), computed by its own <see cref="INeuralNetwork.Forward"/> on a
/// grid; training points are drawn with a white rim, test points with a black one.</summary>
public static class DecisionSurface
{
    /// <summary>Half the side of the square shown, as on the playground.</summary>
    public const float Extent = 6f;

    private static readonly SKColor Negative = new(0xF5, 0x93, 0x22), Positive = new(0x08, 0x77, 0xBD);

    /// <summary>Draws the panel with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    /// <param name="canvas">Where to draw.</param>
    /// <param name="network">A network with two outputs (softmax logits).</param>
    /// <param name="size">The panel's side in pixels; the surface is computed at one point per 2×2 pixels.</param>
    /// <param name="train">Training points (white rim), or null.</param>
    /// <param name="test">Test points (black rim), or null.</param>
    /// <param name="features">Maps n interleaved (x, y) points to the network's n inputs; null when it takes (x, y).</param>
    public static void Draw(SKCanvas canvas, INeuralNetwork network, int left, int top, int size, Dataset? train, Dataset? test,
        Func<float[], float[]>? features = null)
    {
        if (network.OutputLength != 2)
            throw new ArgumentException($"{network.Name} has {network.OutputLength} outputs; a decision surface needs a two-class network.", nameof(network));
        int cells = size / 2;
        var grid = new float[2 * cells * cells];
        for (int i = 0; i < cells; i++)
            for (int j = 0; j < cells; j++)
            {
                grid[2 * (i * cells + j)] = ToData(j + 0.5f, cells);          // column → x
                grid[2 * (i * cells + j) + 1] = -ToData(i + 0.5f, cells);     // row → y, upwards
            }
        var logits = new float[2 * cells * cells];
        network.Forward(features is null ? grid : features(grid), logits, cells * cells);

        using var paint = new SKPaint { IsAntialias = false };
        float cell = (float)size / cells;
        for (int k = 0; k < cells * cells; k++)
        {
            double p = 1 / (1 + Math.Exp(logits[2 * k] - logits[2 * k + 1]));   // softmax of two logits
            paint.Color = Blend(p);
            canvas.DrawRect(left + (k % cells) * cell, top + (k / cells) * cell, cell + 0.5f, cell + 0.5f, paint);
        }
        using var border = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(left, top, size, size, border);
        if (train is not null) Points(canvas, train, left, top, size, SKColors.White);
        if (test is not null) Points(canvas, test, left, top, size, SKColors.Black);
    }

    private static float ToData(float cellCoordinate, int cells) => (cellCoordinate / cells * 2 - 1) * Extent;

    private static void Points(SKCanvas canvas, Dataset data, int left, int top, int size, SKColor rim)
    {
        using var fill = new SKPaint { IsAntialias = true };
        using var stroke = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = rim };
        for (int i = 0; i < data.Count; i++)
        {
            var xy = data.Sample(i);
            float px = left + (xy[0] / Extent + 1) / 2 * size, py = top + (1 - (xy[1] / Extent + 1) / 2) * size;
            if (px < left || px > left + size || py < top || py > top + size) continue;
            fill.Color = data.Labels[i] == 1 ? Positive : Negative;
            canvas.DrawCircle(px, py, 3, fill);
            canvas.DrawCircle(px, py, 3, stroke);
        }
    }

    /// <summary>Orange (p = 0) through white (p = 0.5) to blue (p = 1), pale so the points stand out.</summary>
    private static SKColor Blend(double p)
    {
        var end = p < 0.5 ? Negative : Positive;
        double t = Math.Abs(p - 0.5) * 2 * 0.6;   // at most 60 % of the class colour
        byte Mix(byte c) => (byte)Math.Round(255 + (c - 255) * t);
        return new SKColor(Mix(end.Red), Mix(end.Green), Mix(end.Blue));
    }
}
