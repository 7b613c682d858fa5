using System.Globalization;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>One convolution of a classic network, as listed in benchmarks/peer/conv_shapes.tsv (the one list both sides of
/// the peer comparison and BenchmarkDotNet read).</summary>
public sealed record ConvShape(string Name, int Batch, int InChannels, int Size, int OutChannels, int Kernel, int Stride, int Padding, string Source)
{
    public Conv2DGeometry Geometry => new(InChannels, Size, Size, OutChannels, Kernel, Kernel, Stride, Stride, Padding, Padding, 1, 1, 1);

    public override string ToString() => Name;

    /// <summary>The shapes of conv_shapes.tsv (copied next to the assembly at build time).</summary>
    public static IReadOnlyList<ConvShape> All { get; } = Load(Path.Combine(AppContext.BaseDirectory, "conv_shapes.tsv"));

    /// <summary>The shape called <paramref name="name"/>.</summary>
    public static ConvShape Named(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"No convolution '{name}' in conv_shapes.tsv; known: {string.Join(", ", All.Select(s => s.Name))}.");

    private static List<ConvShape> Load(string path)
    {
        var shapes = new List<ConvShape>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            if (f.Length != 9) throw new FormatException($"{path}: '{line}' has {f.Length} tab-separated fields, expected 9 (name batch in_channels size out_channels kernel stride padding source).");
            int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
            shapes.Add(new ConvShape(f[0], I(1), I(2), I(3), I(4), I(5), I(6), I(7), f[8]));
        }
        return shapes;
    }
}
