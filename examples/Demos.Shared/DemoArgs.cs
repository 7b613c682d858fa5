using System.Globalization;

namespace Examples.Demos;

/// <summary>The demos' command line: <c>--flag value</c> pairs and bare switches, checked against the flags a demo
/// declares, so a typo is an error that lists the valid flags instead of being ignored.</summary>
public sealed class DemoArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _switches = new(StringComparer.Ordinal);

    private DemoArgs(string usage) => Usage = usage;

    /// <summary>The usage text printed by <c>--help</c> and after an error.</summary>
    public string Usage { get; }
    /// <summary><c>--help</c> was given: print <see cref="Usage"/> and stop.</summary>
    public bool HelpRequested { get; private set; }
    /// <summary><c>--quick</c>: a smaller run for the smoke tests (seconds, same code path).</summary>
    public bool Quick => _switches.Contains("--quick");

    /// <summary>Parses <paramref name="args"/>. <paramref name="valueFlags"/> take a value; <c>--quick</c>,
    /// <c>--help</c> and <paramref name="switches"/> do not.</summary>
    /// <exception cref="ArgumentException">An unknown flag or a flag without its value; the message lists the valid ones.</exception>
    public static DemoArgs Parse(string[] args, string usage, string[] valueFlags, params string[] switches)
    {
        var result = new DemoArgs(usage);
        var allSwitches = switches.Append("--quick").Append("--help").ToHashSet();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (allSwitches.Contains(a)) { if (a == "--help") result.HelpRequested = true; else result._switches.Add(a); }
            else if (valueFlags.Contains(a))
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"{a} needs a value.\n{usage}");
                result._values[a] = args[++i];
            }
            else throw new ArgumentException($"Unknown argument '{a}'; valid: {string.Join(", ", valueFlags.Concat(allSwitches))}.\n{usage}");
        }
        return result;
    }

    /// <summary>Whether switch <paramref name="flag"/> was given.</summary>
    public bool Has(string flag) => _switches.Contains(flag);

    /// <summary>The value of <paramref name="flag"/>, or <paramref name="fallback"/>.</summary>
    public string String(string flag, string fallback) => _values.TryGetValue(flag, out var v) ? v : fallback;

    /// <summary>The integer value of <paramref name="flag"/>, or <paramref name="fallback"/>.</summary>
    public int Int(string flag, int fallback) => _values.TryGetValue(flag, out var v)
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"{flag} takes an integer, got '{v}'.\n{Usage}")
        : fallback;

    /// <summary>The number given with <paramref name="flag"/>, or <paramref name="fallback"/>.</summary>
    public double Double(string flag, double fallback) => _values.TryGetValue(flag, out var v)
        ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new ArgumentException($"{flag} takes a number, got '{v}'.\n{Usage}")
        : fallback;

    /// <summary>The output folder (<c>--output</c>, default <paramref name="fallback"/>), created, as a full path.</summary>
    public string OutputFolder(string fallback)
    {
        string path = Path.GetFullPath(String("--output", fallback));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a demo's body with the common handling: <c>--help</c> prints the usage, a bad argument prints the
    /// message and returns 2, otherwise the body's exit code.</summary>
    public static int Run(string[] args, string usage, string[] valueFlags, string[] switches, Func<DemoArgs, int> body)
    {
        DemoArgs parsed;
        try { parsed = Parse(args, usage, valueFlags, switches); }
        catch (ArgumentException e) { Console.Error.WriteLine(e.Message); return 2; }
        if (parsed.HelpRequested) { Console.WriteLine(usage); return 0; }
        try { return body(parsed); }
        catch (ArgumentException e) when (e.Message.Contains(usage, StringComparison.Ordinal)) { Console.Error.WriteLine(e.Message); return 2; }
    }
}
