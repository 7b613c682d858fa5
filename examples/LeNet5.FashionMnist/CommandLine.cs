namespace Examples.Plotting;

/// <summary>Command-line conventions shared by the examples (linked into examples/Overfitting).</summary>
internal static class CommandLine
{
    /// <summary>Splits GNU-style <c>--flag=value</c> into <c>--flag value</c>; other arguments pass unchanged.</summary>
    public static string[] ExpandEquals(string[] args) =>
        [.. args.SelectMany(a => a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is > 2 and var eq ? new[] { a[..eq], a[(eq + 1)..] } : [a])];
}
