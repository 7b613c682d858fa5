using System.Globalization;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>One whole-network workload of benchmarks/peer/networks.tsv, the one list every side of the peer comparison
/// reads (ours, PyTorch, ONNX Runtime): which network, trained or inferred, at which batch, timed how.</summary>
/// <param name="Group">The compare.sh workload group (<c>lenet</c>, <c>classic</c>).</param>
/// <param name="Workload">The row's name in the table, e.g. <c>resnet18_train_b16</c>.</param>
/// <param name="Ours">Our network's full class name.</param>
/// <param name="Torch">The PyTorch model, as a Python expression (the other sides' concern).</param>
/// <param name="Train">A training step (true) or eval-mode inference.</param>
/// <param name="Input">One sample's shape, e.g. 3×224×224; our network must declare the same.</param>
/// <param name="Batch">Samples per call.</param>
/// <param name="Batches">Distinct random batches a training row cycles through.</param>
/// <param name="Warmup">Calls before timing.</param>
/// <param name="Inner">Calls per timed block.</param>
/// <param name="Reps">Timed blocks; the median is reported.</param>
public sealed record PeerNetwork(string Group, string Workload, string Ours, string Torch, bool Train, int[] Input, int Batch, int Batches, int Warmup, int Inner, int Reps)
{
    /// <summary>The rows of networks.tsv (copied next to the assembly at build time).</summary>
    public static IReadOnlyList<PeerNetwork> All { get; } = Load(Path.Combine(AppContext.BaseDirectory, "networks.tsv"));

    /// <summary>Whether compare.sh's workload argument <paramref name="only"/> selects this row: <c>all</c>, the row's group
    /// or its own name.</summary>
    public bool SelectedBy(string only) => only == "all" || only == Group || only == Workload;

    /// <summary>A new instance of our network (seeded initialisation), checked against the row's input shape.</summary>
    public INeuralNetwork Create()
    {
        var type = NetworkAssemblies.Select(a => a.GetType(Ours)).FirstOrDefault(t => t is not null)
            ?? throw new InvalidOperationException($"networks.tsv, {Workload}: no class {Ours} in the networks the benchmarks reference ({string.Join(", ", NetworkAssemblies.Select(a => a.GetName().Name))}).");
        var net = (INeuralNetwork)Activator.CreateInstance(type)!;
        if (!net.InputShape.SequenceEqual(Input))
            throw new InvalidOperationException($"networks.tsv, {Workload}: the row says input {string.Join("x", Input)}, {Ours} declares {string.Join("x", net.InputShape)}; the peers would time different work.");
        return net;
    }

    /// <summary>Where the rows' networks are declared: the test networks (LeNet-5) and examples/ClassicNetworks.</summary>
    private static readonly System.Reflection.Assembly[] NetworkAssemblies =
        [typeof(Examples.FashionMnist.LeNet5).Assembly, typeof(Examples.ClassicNetworks.ResNet18).Assembly];

    private static List<PeerNetwork> Load(string path)
    {
        var rows = new List<PeerNetwork>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var f = line.Split('\t');
            if (f.Length != 11) throw new FormatException($"{path}: '{line}' has {f.Length} tab-separated fields, expected 11 (group workload ours torch mode input batch batches warmup inner reps).");
            if (f[4] is not ("train" or "infer")) throw new FormatException($"{path}: '{f[1]}' has mode '{f[4]}', expected train or infer.");
            int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
            rows.Add(new PeerNetwork(f[0], f[1], f[2], f[3], f[4] == "train", Array.ConvertAll(f[5].Split('x'), int.Parse), I(6), I(7), I(8), I(9), I(10)));
        }
        return rows;
    }
}
