using System.Globalization;
using System.Text;

namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The layer table (layer, kind, output shape, parameters, FLOPs) shown in the XML docs and by Summary().</summary>
internal static class SummaryTable
{
    public static IReadOnlyList<string> Lines(NetworkPlan plan)
    {
        var rows = new List<string[]> { new[] { "layer", "kind", "output", "parameters", "FLOPs/sample" } };
        rows.Add(new[] { "input", "", ShapeMath.Format(plan.InputShape), "", "" });
        foreach (var node in plan.Nodes)
        {
            int parameters = node.Parameters.Sum(p => p.Length);
            rows.Add(new[] { node.Path, node.Options.Describe(), ShapeMath.Format(node.OutputShape), N(parameters), N(node.Flops) });
        }
        rows.Add(new[] { "total", "", "", N(plan.ParameterCount), N(plan.Flops) });

        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        bool[] right = { false, false, false, true, true };
        string Format(string[] row) => string.Join("  ", row.Select((cell, c) => right[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd();

        var lines = new List<string> { $"{plan.ClassName}: input {ShapeMath.Format(plan.InputShape)}, loss {plan.Loss}, architecture {plan.ArchitectureHash}" };
        lines.Add(Format(rows[0]));
        lines.Add(string.Join("  ", widths.Select(w => new string('-', w))));
        for (int i = 1; i < rows.Count - 1; i++) lines.Add(Format(rows[i]));
        lines.Add(string.Join("  ", widths.Select(w => new string('-', w))));
        lines.Add(Format(rows[rows.Count - 1]));
        return lines;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
