using DeepPsych.Dsl.Data;

namespace Examples.Demos;

/// <summary>The TensorFlow playground's four classification data sets (playground.tensorflow.org, <c>src/dataset.ts</c>):
/// points in [-6, 6]², label 1 ("positive", blue there) or 0 ("negative", orange), generated as the playground does,
/// with its noise parameter (0 to 0.5; the slider's percent / 100), then shuffled and split into train and test halves.</summary>
public static class PlaygroundData
{
    /// <summary>The data set names, as on the playground.</summary>
    public static readonly string[] Names = ["circle", "xor", "gauss", "spiral"];

    /// <summary>Class names for <see cref="Dataset"/>: label 0 is the playground's −1, label 1 its +1.</summary>
    public static readonly string[] ClassNames = ["negative (orange)", "positive (blue)"];

    /// <summary>What the demos divide the coordinates by before a network sees them: the playground's ±6 to about unit scale.</summary>
    public const float InputScale = 3f;

    /// <summary>The networks' inputs for n interleaved (x, y) points: the coordinates divided by <see cref="InputScale"/>.</summary>
    public static float[] NetworkInputs(float[] xy) => xy.Select(v => v / InputScale).ToArray();

    /// <summary>A copy of <paramref name="data"/> whose samples are <paramref name="features"/> of its points (same labels).</summary>
    public static Dataset WithFeatures(Dataset data, Func<float[], float[]> features)
    {
        var inputs = features(data.Images);
        return new Dataset(inputs, data.Labels, [inputs.Length / data.Count], data.ClassNames, data.Name);
    }

    /// <summary>Generates <paramref name="count"/> points of data set <paramref name="name"/> and splits them, after a
    /// seeded shuffle, into a training set of <paramref name="trainFraction"/> of them and a test set of the rest.</summary>
    /// <exception cref="ArgumentException">An unknown name (the message lists the known ones).</exception>
    public static (Dataset Train, Dataset Test) Generate(string name, int count, double noise, int seed, double trainFraction = 0.5)
    {
        var random = new Random(seed);
        var points = name switch
        {
            "circle" => Circle(random, count, noise),
            "xor" => Xor(random, count, noise),
            "gauss" => TwoGaussians(random, count, noise),
            "spiral" => Spiral(random, count, noise),
            _ => throw new ArgumentException($"Unknown data set '{name}'; the playground's are {string.Join(", ", Names)}.", nameof(name)),
        };
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(points));
        int trainCount = (int)Math.Round(points.Count * trainFraction);
        return (ToDataset(points.Take(trainCount), $"{name}/train"), ToDataset(points.Skip(trainCount), $"{name}/test"));
    }

    private static Dataset ToDataset(IEnumerable<(double X, double Y, int Label)> points, string name)
    {
        var list = points.ToList();
        var xy = new float[2 * list.Count];
        var labels = new int[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            xy[2 * i] = (float)list[i].X;
            xy[2 * i + 1] = (float)list[i].Y;
            labels[i] = list[i].Label;
        }
        return new Dataset(xy, labels, [2], ClassNames, name);
    }

    private static double Uniform(Random r, double a, double b) => a + (b - a) * r.NextDouble();

    /// <summary>Half inside radius 2.5 (label 1), half in the ring 3.5–5 (label 0); the label is that of the noisy point.</summary>
    private static List<(double, double, int)> Circle(Random r, int count, double noise)
    {
        const double radius = 5;
        var points = new List<(double, double, int)>();
        foreach (var (rMin, rMax) in new[] { (0.0, radius * 0.5), (radius * 0.7, radius) })
            for (int i = 0; i < count / 2; i++)
            {
                double rho = Uniform(r, rMin, rMax), angle = Uniform(r, 0, 2 * Math.PI);
                double x = rho * Math.Sin(angle), y = rho * Math.Cos(angle);
                double nx = Uniform(r, -radius, radius) * noise, ny = Uniform(r, -radius, radius) * noise;
                points.Add((x, y, Math.Sqrt((x + nx) * (x + nx) + (y + ny) * (y + ny)) < radius * 0.5 ? 1 : 0));
            }
        return points;
    }

    /// <summary>Uniform in [-5, 5]² pushed 0.3 away from the axes; label 1 where x·y ≥ 0 (of the noisy point).</summary>
    private static List<(double, double, int)> Xor(Random r, int count, double noise)
    {
        const double padding = 0.3;
        var points = new List<(double, double, int)>();
        for (int i = 0; i < count; i++)
        {
            double x = Uniform(r, -5, 5); x += x > 0 ? padding : -padding;
            double y = Uniform(r, -5, 5); y += y > 0 ? padding : -padding;
            double nx = Uniform(r, -5, 5) * noise, ny = Uniform(r, -5, 5) * noise;
            points.Add((x, y, (x + nx) * (y + ny) >= 0 ? 1 : 0));
        }
        return points;
    }

    /// <summary>Two Gaussians at (2, 2) (label 1) and (−2, −2) (label 0); the variance grows from 0.5 to 4 with the noise.</summary>
    private static List<(double, double, int)> TwoGaussians(Random r, int count, double noise)
    {
        double variance = 0.5 + (4 - 0.5) * noise / 0.5, sd = Math.Sqrt(variance);
        var points = new List<(double, double, int)>();
        foreach (var (c, label) in new[] { (2.0, 1), (-2.0, 0) })
            for (int i = 0; i < count / 2; i++)
                points.Add((c + sd * Normal(r), c + sd * Normal(r), label));
        return points;
    }

    /// <summary>Two interleaved spirals of 1.75 turns out to radius 5, the second turned by π; noise is added uniformly.</summary>
    private static List<(double, double, int)> Spiral(Random r, int count, double noise)
    {
        int n = count / 2;
        var points = new List<(double, double, int)>();
        foreach (var (deltaT, label) in new[] { (0.0, 1), (Math.PI, 0) })
            for (int i = 0; i < n; i++)
            {
                double rho = (double)i / n * 5, t = 1.75 * i / n * 2 * Math.PI + deltaT;
                points.Add((rho * Math.Sin(t) + Uniform(r, -1, 1) * noise, rho * Math.Cos(t) + Uniform(r, -1, 1) * noise, label));
            }
        return points;
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
