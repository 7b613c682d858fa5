using SkiaSharp;

namespace Examples.Demos;

/// <summary>Writing the demos' PNGs: ScottPlot plots side by side, and SkiaSharp canvases.</summary>
public static class Figures
{
    /// <summary>Saves <paramref name="plots"/> as one PNG, <paramref name="columns"/> per row, each cell
    /// <paramref name="cellWidth"/> × <paramref name="cellHeight"/> pixels. Returns the path.</summary>
    public static string SaveGrid(IReadOnlyList<ScottPlot.Plot> plots, int columns, int cellWidth, int cellHeight, string path)
    {
        int rows = (plots.Count + columns - 1) / columns;
        var figure = new ScottPlot.Multiplot(plots[0]);   // (the parameterless constructor would add an empty plot first)
        foreach (var plot in plots.Skip(1)) ScottPlot.IMultiplotExtensions.AddPlot(figure, plot);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        ScottPlot.IMultiplotExtensions.SavePng(figure, path, columns * cellWidth, rows * cellHeight);
        return path;
    }

    /// <summary>Encodes <paramref name="bitmap"/> as a PNG at <paramref name="path"/>. Returns the path.</summary>
    public static string SavePng(SKBitmap bitmap, string path)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
        return path;
    }

    /// <summary>Renders <paramref name="plot"/> at <paramref name="width"/> × <paramref name="height"/> pixels onto
    /// <paramref name="canvas"/> with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    public static void Draw(SKCanvas canvas, ScottPlot.Plot plot, float left, float top, int width, int height)
    {
        using var image = SKBitmap.Decode(plot.GetImageBytes(width, height, ScottPlot.ImageFormat.Png));
        canvas.DrawBitmap(image, left, top);
    }

    /// <summary>Black antialiased text of <paramref name="size"/> pixels with its baseline at (x, y).</summary>
    public static void Text(SKCanvas canvas, string text, float x, float y, float size = 13, bool bold = false)
    {
        using var font = new SKFont(bold ? SKTypeface.FromFamilyName(null, SKFontStyle.Bold) : SKTypeface.Default, size);
        using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
        canvas.DrawText(text, x, y, font, ink);
    }
}
