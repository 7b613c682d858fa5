using SkiaSharp;

namespace DeepPsych.Dsl.Imaging.Tests;

/// <summary>Writes a folder of small RGB PNGs in two classes, <c>horizontal</c> and <c>vertical</c> stripes, with a random
/// stripe period, phase, colour and noise per image (seeded). Flips and small shifts keep the class, so augmentation is fair.</summary>
internal sealed class StripesFolder : IDisposable
{
    public StripesFolder(int perClass, int size = 16, int seed = 1)
    {
        Root = Directory.CreateTempSubdirectory("deeppsych-images-").FullName;
        var random = new Random(seed);
        foreach (var (name, horizontal) in new[] { ("horizontal", true), ("vertical", false) })
        {
            Directory.CreateDirectory(Path.Combine(Root, name));
            for (int i = 0; i < perClass; i++)
            {
                using var bitmap = new SKBitmap(size, size, SKColorType.Rgba8888, SKAlphaType.Unpremul);
                int period = random.Next(3, 6), phase = random.Next(period);
                var ink = new SKColor((byte)random.Next(120, 256), (byte)random.Next(120, 256), (byte)random.Next(120, 256));
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool on = ((horizontal ? y : x) + phase) % period < period / 2 + 1;
                        int noise = random.Next(0, 40);
                        bitmap.SetPixel(x, y, on
                            ? new SKColor((byte)Math.Max(0, ink.Red - noise), (byte)Math.Max(0, ink.Green - noise), (byte)Math.Max(0, ink.Blue - noise))
                            : new SKColor((byte)noise, (byte)noise, (byte)noise));
                    }
                Save(bitmap, Path.Combine(Root, name, $"{i:D4}.png"));
            }
        }
    }

    public string Root { get; }

    public static void Save(SKBitmap bitmap, string path, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 95);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
