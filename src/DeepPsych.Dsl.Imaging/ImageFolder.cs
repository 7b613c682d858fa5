using DeepPsych.Dsl.Data;
using SkiaSharp;

namespace DeepPsych.Dsl.Imaging;

/// <summary>Colour handling of an <see cref="ImageFolder"/>.</summary>
public enum ImageColor
{
    /// <summary>Three channels, red, green, blue (<c>[3, H, W]</c>).</summary>
    Rgb,
    /// <summary>One channel, luma 0.299 R + 0.587 G + 0.114 B (<c>[1, H, W]</c>), as PIL's <c>convert("L")</c>.</summary>
    Grayscale,
}

/// <summary>A classification data set of image files, one sub-folder per class (<c>root/cat/001.png</c>,
/// <c>root/dog/xyz.jpg</c>), as <c>torchvision.datasets.ImageFolder</c>: classes are the sub-folder names in ordinal order,
/// samples the image files of each class in ordinal order. Images are decoded when read (lazily), resized to
/// <see cref="Width"/> × <see cref="Height"/> if they differ, and scaled to [0, 1] channels-first as <c>ToTensor()</c>.</summary>
/// <remarks>
/// <para>Formats: whatever SkiaSharp decodes: PNG, JPEG, BMP, GIF (first frame), WebP, ICO. Other files are ignored.</para>
/// <para>With <c>cache: true</c> each image is decoded once and kept (<c>Count × SampleLength × 4</c> bytes), which suits
/// data that fits in memory; without, every epoch decodes again on the loader's background thread.</para>
/// <para>Normalise with <see cref="ChannelNormalization.Compute"/> on the training part and
/// <see cref="DatasetExtensions.Normalized"/>; split with <see cref="DatasetExtensions.SplitValidation"/>.</para>
/// </remarks>
public sealed class ImageFolder : IDataset
{
    /// <summary>File extensions read (lower case).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".ico" };

    private readonly float[]?[]? _cache;
    private readonly int _channels;

    private ImageFolder(string root, string[] files, int[] labels, string[] classes, int width, int height, ImageColor color, bool cache)
    {
        Root = root;
        Files = files;
        Labels = labels;
        ClassNames = classes;
        Width = width;
        Height = height;
        Color = color;
        _channels = color == ImageColor.Rgb ? 3 : 1;
        SampleShape = [_channels, height, width];
        _cache = cache ? new float[files.Length][] : null;
    }

    /// <summary>Lists the images under <paramref name="root"/> (decoding nothing yet).</summary>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="width">Width of every sample; images of another size are resized (bilinear).</param>
    /// <param name="height">Height of every sample.</param>
    /// <param name="color">Three channels or one.</param>
    /// <param name="cache">Keep each decoded image in memory after its first read.</param>
    /// <exception cref="DatasetNotFoundException">The folder does not exist.</exception>
    /// <exception cref="DataFormatException">There are no class sub-folders, or a class holds no images.</exception>
    public static ImageFolder Load(string root, int width, int height, ImageColor color = ImageColor.Rgb, bool cache = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DatasetNotFoundException($"Image folder '{full}' does not exist. Put the images in one sub-folder per class, e.g. '{Path.Combine(full, "cat", "001.png")}'.", full);
        var classes = Directory.GetDirectories(full).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0)
            throw new DataFormatException($"Image folder '{full}' has no sub-folders. Put the images in one sub-folder per class, e.g. '{Path.Combine(full, "cat", "001.png")}'; the sub-folder names are the class names.", full);
        var files = new List<string>();
        var labels = new List<int>();
        for (int c = 0; c < classes.Length; c++)
        {
            var images = Directory.EnumerateFiles(Path.Combine(full, classes[c]), "*", SearchOption.AllDirectories)
                .Where(f => Extensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new DataFormatException($"Class folder '{Path.Combine(full, classes[c])}' holds no images ({string.Join(", ", Extensions.Order())}). Add images or remove the folder.", full);
            files.AddRange(images);
            labels.AddRange(Enumerable.Repeat(c, images.Length));
        }
        return new ImageFolder(full, [.. files], [.. labels], classes, width, height, color, cache);
    }

    /// <summary>The folder.</summary>
    public string Root { get; }
    /// <summary>Every image file, in sample order.</summary>
    public IReadOnlyList<string> Files { get; }
    /// <summary>The class of every sample.</summary>
    public IReadOnlyList<int> Labels { get; }
    /// <summary>Sample width.</summary>
    public int Width { get; }
    /// <summary>Sample height.</summary>
    public int Height { get; }
    /// <summary>Three channels or one.</summary>
    public ImageColor Color { get; }
    /// <inheritdoc/>
    public string Name => Path.GetFileName(Root);
    /// <inheritdoc/>
    public int Count => Files.Count;
    /// <inheritdoc/>
    public IReadOnlyList<int> SampleShape { get; }
    /// <inheritdoc/>
    public int SampleLength => _channels * Width * Height;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public int TargetLength => 0;

    /// <inheritdoc/>
    /// <exception cref="DataFormatException">The file cannot be decoded as an image.</exception>
    public int Read(int index, Span<float> input, Span<float> target)
    {
        if (_cache?[index] is { } cached)
        {
            cached.CopyTo(input);
            return Labels[index];
        }
        Decode(Files[index], input);
        if (_cache is not null) _cache[index] = input[..SampleLength].ToArray();
        return Labels[index];
    }

    /// <summary>Decodes <paramref name="path"/> into <paramref name="sample"/> (<c>[C, H, W]</c>, values in [0, 1]).</summary>
    private void Decode(string path, Span<float> sample)
    {
        using var decoded = SKBitmap.Decode(path)
            ?? throw new DataFormatException($"'{path}' is not an image SkiaSharp can decode (PNG, JPEG, BMP, GIF, WebP, ICO). Remove or convert it.", path);
        using var rgba = decoded.ColorType == SKColorType.Rgba8888 && decoded.AlphaType != SKAlphaType.Premul
            ? decoded.Copy()
            : decoded.Copy(SKColorType.Rgba8888);
        using var sized = rgba.Width == Width && rgba.Height == Height
            ? rgba.Copy()
            : rgba.Resize(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.None));
        var pixels = sized.GetPixelSpan();
        int plane = Width * Height;
        for (int i = 0; i < plane; i++)
        {
            float r = pixels[4 * i] / 255f, g = pixels[4 * i + 1] / 255f, b = pixels[4 * i + 2] / 255f;
            if (_channels == 3)
            {
                sample[i] = r;
                sample[plane + i] = g;
                sample[2 * plane + i] = b;
            }
            else sample[i] = 0.299f * r + 0.587f * g + 0.114f * b;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Count} images of [{string.Join("x", SampleShape)}], {ClassNames.Count} classes ({string.Join(", ", ClassNames)})";
}
