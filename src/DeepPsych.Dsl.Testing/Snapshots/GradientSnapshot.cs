using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>Gradient snapshots: for a fixed seed and batch, a readable approval file with the generated backward source
/// and every parameter tensor's gradient (shape, min, max, mean, L2 norm, values) plus a compact digest. Later runs
/// compare the numbers with a tolerance and show what moved: tensor, index, approved, received, error.</summary>
public static class GradientSnapshot
{
    /// <summary>Verifies the network's gradients against <c>TestFile.TestMethod.approved.txt</c> beside the calling test
    /// file (or <paramref name="directory"/>/<paramref name="name"/>). Throws <see cref="SnapshotMismatchException"/>
    /// with a diff when something moved past the tolerance or the approved file is missing.</summary>
    public static void Verify(INeuralNetwork network, GradientSnapshotOptions? options = null, string? name = null, string? directory = null,
        [CallerFilePath] string callerFile = "", [CallerMemberName] string callerMember = "")
    {
        options ??= GradientSnapshotOptions.Default;
        string stem = SnapshotFile.Stem(directory, name, callerFile, callerMember);
        SnapshotFile.Verify(stem, Render(network, options), (approved, received) => Compare(approved, received, options), "gradient snapshot");
    }

    /// <summary>The snapshot text for <paramref name="network"/> (what a run writes as <c>.received.txt</c>). The network is left as it was found.</summary>
    public static string Render(INeuralNetwork network, GradientSnapshotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= GradientSnapshotOptions.Default;
        var batch = options.Data ?? TestBatch.Random(network, options.Batch, options.Seed);
        using var state = new NetworkState(network);
        if (options.Threads is int threads) network.Threads = threads;
        TestParameterSetter.Apply(network, options.Parameters, options.Seed);
        network.ZeroGradients();
        var outputs = new float[batch.Batch * network.OutputLength];
        float loss = batch.ComputeGradients(network, outputs);
        var tensors = network.ParameterTensors.Select(p => (p.Name, Shape: p.Shape.ToArray(), Values: p.Gradients.ToArray())).ToList();
        string source = options.BackwardSource ?? network.BackwardSource;
        return GradientSnapshotText.Write(network, batch, options, loss, source, tensors);
    }

    /// <summary>Compares two snapshot texts with the options' tolerance; null when everything is within it, else the readable diff.</summary>
    public static string? Compare(string approved, string received, GradientSnapshotOptions? options = null)
        => GradientSnapshotText.Compare(GradientSnapshotText.Parse(approved), GradientSnapshotText.Parse(received), options ?? GradientSnapshotOptions.Default);
}

/// <summary>The snapshot file format: written here, parsed back for the tolerance comparison.</summary>
internal static class GradientSnapshotText
{
    private const string SourceBegin = "== backward source ==", SourceEnd = "== end backward source ==";

    internal sealed class Tensor(string name, int[] shape)
    {
        public string Name { get; } = name;
        public int[] Shape { get; } = shape;
        public Dictionary<string, double> Stats { get; } = new();
        public SortedDictionary<int, double> Values { get; } = new();
        public SortedDictionary<int, double> Rows { get; } = new();
        public int Length => Shape.Aggregate(1, (a, b) => a * b);
        public double Scale => Stats.TryGetValue("min", out var lo) && Stats.TryGetValue("max", out var hi) ? Math.Max(Math.Abs(lo), Math.Abs(hi)) : Values.Values.Select(Math.Abs).DefaultIfEmpty(0).Max();
    }

    internal sealed class Snapshot
    {
        public Dictionary<string, string> Header { get; } = new();
        public string? Source { get; set; }
        public List<Tensor> Tensors { get; } = new();
    }

    public static string Write(INeuralNetwork network, TestBatch batch, GradientSnapshotOptions o, float loss, string source, List<(string Name, int[] Shape, float[] Values)> tensors)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# DeepPsych.Dsl gradient snapshot. Approve a change: rerun with {SnapshotFile.ApproveVariable}=1, or copy the .received.txt over this file.");
        sb.AppendLine($"# Numbers are compared with a tolerance (|received − approved| ≤ {Shapes.E(o.RelativeTolerance)}·|approved| + {Shapes.E(o.AbsoluteTolerance)}·max|tensor|), not as text.");
        sb.AppendLine($"network: {network.Name}");
        sb.AppendLine($"architecture: {network.ArchitectureHash}");
        sb.AppendLine($"loss: {network.Loss}");
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"setup: batch {batch.Batch}, seed {o.Seed}, parameters {o.Parameters}{(o.Data is null ? ", inputs N(0,1)" : ", explicit batch")}"));
        sb.AppendLine($"mean loss: {Shapes.F(loss)}");
        sb.AppendLine($"digest: {Digest(tensors)}  (FNV-1a over every gradient rounded to 4 significant digits; informational, the comparison uses the numbers)");
        sb.AppendLine();
        sb.AppendLine(SourceBegin);
        foreach (var line in source.Replace("\r\n", "\n").TrimEnd('\n').Split('\n')) sb.AppendLine(line.Length == 0 ? "" : "    " + line);
        sb.AppendLine(SourceEnd);

        foreach (var (name, shape, v) in tensors)
        {
            sb.AppendLine();
            sb.AppendLine($"== tensor {name} {Shapes.FormatShape(shape)} ==");
            double min = v.Length == 0 ? 0 : v.Min(), max = v.Length == 0 ? 0 : v.Max(), sum = 0, sq = 0;
            foreach (float x in v) { sum += x; sq += (double)x * x; }
            sb.AppendLine($"count {v.Length}  min {Shapes.F(min)}  max {Shapes.F(max)}  mean {Shapes.F(v.Length == 0 ? 0 : sum / v.Length)}  l2 {Shapes.F(Math.Sqrt(sq))}");
            if (v.Length <= o.MaxValuesPerTensor)
            {
                sb.AppendLine("values (all; each line starts at the index shown and runs along the last axis):");
                int last = Math.Max(shape.Length == 0 ? 1 : shape[^1], 1);
                int per = last <= 10 ? last : 8;
                for (int start = 0; start < v.Length;)
                {
                    int inRow = last - start % last;
                    int count = Math.Min(per, inRow);
                    AppendValues(sb, start, shape, v.AsSpan(start, count));
                    start += count;
                }
            }
            else
            {
                sb.AppendLine($"first values:");
                AppendValues(sb, 0, shape, v.AsSpan(0, Math.Min(8, v.Length)));
                var rng = new TestRandom(GradientCheckEngine.HashCode(o.Seed, name + "/sample"));
                var sample = new SortedSet<int>();
                while (sample.Count < Math.Min(o.SampledValues, v.Length)) sample.Add(rng.NextInt(v.Length));
                sb.AppendLine($"sampled values ({sample.Count} of {v.Length}, seeded):");
                foreach (int i in sample) AppendValues(sb, i, shape, v.AsSpan(i, 1));
                int rows = shape.Length == 0 ? 1 : shape[0], rowLength = v.Length / Math.Max(rows, 1);
                sb.AppendLine($"L2 norm of each row (along the first axis, {rows} rows of {rowLength}):");
                for (int r = 0; r < rows; r += 8)
                {
                    sb.Append("row ").Append(r.ToString(CultureInfo.InvariantCulture).PadRight(5));
                    for (int k = r; k < Math.Min(rows, r + 8); k++)
                    {
                        double s = 0;
                        foreach (float x in v.AsSpan(k * rowLength, rowLength)) s += (double)x * x;
                        sb.Append("  ").Append(Shapes.F(Math.Sqrt(s)));
                    }
                    sb.AppendLine();
                }
            }
        }
        return sb.ToString();
    }

    private static void AppendValues(StringBuilder sb, int start, int[] shape, ReadOnlySpan<float> values)
    {
        sb.Append(Shapes.FormatIndex(start, shape).PadRight(14));
        foreach (float x in values) sb.Append("  ").Append(Shapes.F(x).PadLeft(15));
        sb.AppendLine();
    }

    private static string Digest(List<(string Name, int[] Shape, float[] Values)> tensors)
    {
        ulong h = 14695981039346656037UL;
        void Add(string s) { foreach (char c in s) { h ^= c; h *= 1099511628211UL; } }
        foreach (var (name, _, v) in tensors)
        {
            Add(name);
            foreach (float x in v) Add(x.ToString("0.000e+00", CultureInfo.InvariantCulture));
        }
        return h.ToString("x16", CultureInfo.InvariantCulture);
    }

    public static Snapshot Parse(string text)
    {
        var s = new Snapshot();
        Tensor? t = null;
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.StartsWith('#') || line.Trim().Length == 0) continue;
            if (line == SourceBegin)
            {
                var src = new List<string>();
                for (i++; i < lines.Length && lines[i] != SourceEnd; i++) src.Add(lines[i].StartsWith("    ", StringComparison.Ordinal) ? lines[i][4..] : lines[i]);
                s.Source = string.Join("\n", src);
                continue;
            }
            if (line.StartsWith("== tensor ", StringComparison.Ordinal))
            {
                var body = line["== tensor ".Length..^" ==".Length];
                int bracket = body.IndexOf(" [", StringComparison.Ordinal);
                var shape = body[(bracket + 2)..^1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                t = new Tensor(body[..bracket], shape);
                s.Tensors.Add(t);
                continue;
            }
            if (t is null)
            {
                int colon = line.IndexOf(':');
                if (colon > 0) s.Header[line[..colon]] = line[(colon + 1)..].Trim();
                continue;
            }
            if (line.StartsWith("count ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                for (int k = 0; k + 1 < parts.Length; k += 2) t.Stats[parts[k]] = Num(parts[k + 1]);
            }
            else if (line.StartsWith('['))
            {
                int close = line.IndexOf(']');
                var index = line[1..close].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                int flat = 0;
                for (int d = 0; d < index.Length; d++) flat = flat * t.Shape[d] + index[d];
                foreach (var v in line[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)) t.Values[flat++] = Num(v);
            }
            else if (line.StartsWith("row ", StringComparison.Ordinal) && line.Length > 4 && char.IsDigit(line[4]))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                int r = int.Parse(parts[1], CultureInfo.InvariantCulture);
                foreach (var v in parts.Skip(2)) t.Rows[r++] = Num(v);
            }
        }
        return s;
    }

    private static double Num(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private sealed record Moved(string Tensor, string Where, double Approved, double Received, double Allowed)
    {
        public double Error => Math.Abs(Received - Approved);
        public double Relative => GradientCheckEngine.Relative(Approved, Received);
    }

    public static string? Compare(Snapshot a, Snapshot r, GradientSnapshotOptions o)
    {
        var problems = new List<string>();
        foreach (var key in new[] { "network", "architecture", "loss", "setup" })
        {
            a.Header.TryGetValue(key, out var av); r.Header.TryGetValue(key, out var rv);
            if (av != rv) problems.Add($"{key}: approved '{av}', received '{rv}'");
        }
        bool Close(double x, double y, double scale) => Math.Abs(x - y) <= o.RelativeTolerance * Math.Abs(x) + o.AbsoluteTolerance * scale || (double.IsNaN(x) && double.IsNaN(y));
        if (a.Header.TryGetValue("mean loss", out var al) && r.Header.TryGetValue("mean loss", out var rl) && !Close(Num(al), Num(rl), 0))
            problems.Add($"mean loss: approved {al}, received {rl}");

        string? sourceDiff = o.CompareBackwardSource ? TextDiff.Lines(a.Source ?? "", r.Source ?? "") : null;

        var moved = new List<Moved>();
        var rows = new List<string[]> { new[] { "tensor", "shape", "moved", "max abs err", "max rel err", "worst", "approved", "received" } };
        foreach (var at in a.Tensors)
        {
            var rt = r.Tensors.FirstOrDefault(x => x.Name == at.Name);
            if (rt is null) { problems.Add($"tensor {at.Name} {Shapes.FormatShape(at.Shape)}: gone"); continue; }
            if (!at.Shape.SequenceEqual(rt.Shape)) { problems.Add($"tensor {at.Name}: shape {Shapes.FormatShape(at.Shape)} → {Shapes.FormatShape(rt.Shape)}"); continue; }
            double scale = at.Scale;
            var here = new List<Moved>();
            int compared = 0;
            foreach (var (key, av) in at.Stats)
                if (key != "count" && rt.Stats.TryGetValue(key, out var rv)) { compared++; if (!Close(av, rv, scale)) here.Add(new(at.Name, key, av, rv, Allowed(av, scale))); }
            foreach (var (i, av) in at.Values)
                if (rt.Values.TryGetValue(i, out var rv)) { compared++; if (!Close(av, rv, scale)) here.Add(new(at.Name, Shapes.FormatIndex(i, at.Shape), av, rv, Allowed(av, scale))); }
            foreach (var (i, av) in at.Rows)
                if (rt.Rows.TryGetValue(i, out var rv)) { compared++; if (!Close(av, rv, scale)) here.Add(new(at.Name, $"row {i} l2", av, rv, Allowed(av, scale))); }
            if (here.Count == 0) continue;
            var worst = here.MaxBy(m => m.Error / Math.Max(m.Allowed, double.Epsilon))!;
            rows.Add(new[] { at.Name, Shapes.Compact(at.Shape), $"{here.Count}/{compared}", Shapes.E(here.Max(m => m.Error)), Shapes.E(here.Max(m => m.Relative)), worst.Where, Shapes.E(worst.Approved), Shapes.E(worst.Received) });
            moved.AddRange(here);
        }
        foreach (var rt in r.Tensors.Where(x => a.Tensors.All(y => y.Name != x.Name)))
            problems.Add($"tensor {rt.Name} {Shapes.FormatShape(rt.Shape)}: new");

        if (problems.Count == 0 && moved.Count == 0 && sourceDiff is null) return null;

        a.Header.TryGetValue("network", out var network);
        var sb = new StringBuilder();
        sb.AppendLine($"Gradient snapshot of {network} moved (tolerance: {Shapes.E(o.RelativeTolerance)}·|approved| + {Shapes.E(o.AbsoluteTolerance)}·max|tensor|).");
        a.Header.TryGetValue("digest", out var ad); r.Header.TryGetValue("digest", out var rd);
        sb.AppendLine($"digest: approved {ad?.Split(' ')[0]}, received {rd?.Split(' ')[0]}");
        foreach (var p in problems) sb.AppendLine(p);
        if (moved.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine($"{rows.Count - 1} of {a.Tensors.Count} tensors moved (values, statistics and row norms compared):");
            GradientCheckReport.AppendTable(sb, rows, [false, false, true, true, true, false, true, true]);
            sb.AppendLine();
            sb.AppendLine("largest moves (up to 6 per tensor):");
            var detail = new List<string[]> { new[] { "tensor", "where", "approved", "received", "abs err", "rel err", "allowed" } };
            foreach (var g in moved.GroupBy(m => m.Tensor))
                foreach (var m in g.OrderByDescending(m => m.Error / Math.Max(m.Allowed, double.Epsilon)).Take(6))
                    detail.Add(new[] { m.Tensor, m.Where, Shapes.E(m.Approved), Shapes.E(m.Received), Shapes.E(m.Error), Shapes.E(m.Relative), Shapes.E(m.Allowed) });
            GradientCheckReport.AppendTable(sb, detail, [false, false, true, true, true, true, true]);
        }
        if (sourceDiff is not null)
        {
            sb.AppendLine();
            sb.AppendLine("backward source changed:");
            sb.Append(sourceDiff);
        }
        return sb.ToString();

        double Allowed(double av, double scale) => o.RelativeTolerance * Math.Abs(av) + o.AbsoluteTolerance * scale;
    }
}
