using System.Text;

namespace DeepPsych.Dsl.Testing;

/// <summary>A unified-style line diff (longest common subsequence) with context, for source and summary snapshots.</summary>
public static class TextDiff
{
    /// <summary>"- approved" / "+ received" lines with <paramref name="context"/> unchanged lines around each change; null when equal.</summary>
    public static string? Lines(string approved, string received, int context = 2)
    {
        var a = approved.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        var b = received.Replace("\r\n", "\n").TrimEnd('\n').Split('\n');
        if (a.SequenceEqual(b)) return null;

        int n = a.Length, m = b.Length;
        var lcs = new int[n + 1, m + 1];
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var ops = new List<(char Op, string Line, int LineA, int LineB)>();
        int x = 0, y = 0;
        while (x < n || y < m)
        {
            if (x < n && y < m && a[x] == b[y]) { ops.Add((' ', a[x], x, y)); x++; y++; }
            else if (y < m && (x == n || lcs[x, y + 1] >= lcs[x + 1, y])) { ops.Add(('+', b[y], x, y)); y++; }
            else { ops.Add(('-', a[x], x, y)); x++; }
        }

        var keep = new bool[ops.Count];
        for (int k = 0; k < ops.Count; k++)
            if (ops[k].Op != ' ')
                for (int c = Math.Max(0, k - context); c <= Math.Min(ops.Count - 1, k + context); c++) keep[c] = true;

        var sb = new StringBuilder();
        for (int k = 0; k < ops.Count; k++)
        {
            if (!keep[k]) continue;
            if (k > 0 && !keep[k - 1]) sb.AppendLine("  ...");
            if (k == 0 || !keep[k - 1]) sb.AppendLine($"@@ approved line {ops[k].LineA + 1}, received line {ops[k].LineB + 1} @@");
            sb.Append(ops[k].Op).Append(' ').AppendLine(ops[k].Line);
        }
        return sb.ToString();
    }
}
