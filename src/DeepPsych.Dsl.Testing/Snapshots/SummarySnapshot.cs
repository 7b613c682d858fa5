using System.Runtime.CompilerServices;
using System.Text;
using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>Shape and summary snapshots: the layer table (<see cref="INeuralNetwork.Summary"/>: shapes, parameters,
/// FLOPs) and the parameter layout, compared as text, so an architecture change shows in review as a line diff.</summary>
public static class SummarySnapshot
{
    /// <summary>The snapshot text: the summary table, input/output shapes and the parameter tensors (name, shape, offset, init).</summary>
    public static string Render(INeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var sb = new StringBuilder();
        sb.AppendLine($"# DeepPsych.Dsl summary snapshot of {network.Name}. Approve a change: rerun with {SnapshotFile.ApproveVariable}=1, or copy the .received.txt over this file.");
        sb.AppendLine($"network: {network.Name}");
        sb.AppendLine($"architecture: {network.ArchitectureHash}");
        sb.AppendLine($"input: {Shapes.FormatShape(network.InputShape)} ({network.InputLength} floats)  output: {Shapes.FormatShape(network.OutputShape)} ({network.OutputLength} floats)  loss: {network.Loss}");
        sb.AppendLine();
        sb.AppendLine("== summary ==");
        sb.AppendLine(network.Summary().TrimEnd());
        sb.AppendLine();
        sb.AppendLine("== layers ==");
        var rows = new List<string[]> { new[] { "layer", "kind", "output", "FLOPs/sample", "parameters" } };
        foreach (var l in network.Layers)
            rows.Add(new[] { l.Name, l.Kind, Shapes.Compact(l.OutputShape), l.FlopsPerSample.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), string.Join(", ", l.Parameters.Select(p => p.Name)) });
        GradientCheckReport.AppendTable(sb, rows, [false, false, false, true, false]);
        sb.AppendLine();
        sb.AppendLine("== parameter block ==");
        var prow = new List<string[]> { new[] { "tensor", "shape", "offset", "length", "fan in", "fan out", "init" } };
        foreach (var p in network.ParameterTensors)
            prow.Add(new[] { p.Name, Shapes.FormatShape(p.Shape), p.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                p.FanIn.ToString(System.Globalization.CultureInfo.InvariantCulture), p.FanOut.ToString(System.Globalization.CultureInfo.InvariantCulture), p.IsBias ? "zero" : p.Init.ToString() });
        GradientCheckReport.AppendTable(sb, prow, [false, false, true, true, true, true, false]);
        sb.AppendLine($"total: {network.Parameters.Length} parameters");
        return sb.ToString();
    }

    /// <summary>Verifies <see cref="Render"/> against <c>TestFile.TestMethod.approved.txt</c> beside the calling test
    /// file (or <paramref name="directory"/>/<paramref name="name"/>); throws <see cref="SnapshotMismatchException"/> with a line diff.</summary>
    public static void Verify(INeuralNetwork network, string? name = null, string? directory = null,
        [CallerFilePath] string callerFile = "", [CallerMemberName] string callerMember = "")
    {
        string stem = SnapshotFile.Stem(directory, name, callerFile, callerMember);
        SnapshotFile.Verify(stem, Render(network), (approved, received) =>
        {
            var diff = TextDiff.Lines(approved, received);
            return diff is null ? null : $"Summary snapshot of {network.Name} changed (the architecture, a shape, a parameter count or FLOPs):{Environment.NewLine}{diff}";
        }, "summary snapshot");
    }
}
