using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Examples.PolynomialFit;

/// <summary>scikit-learn's cross-validated MSE on the same samples and folds, from <c>sklearn_cv.py</c> run by
/// /usr/bin/python3; absent (with the reason in <see cref="Result.Note"/>) when Python or scikit-learn is missing.</summary>
public static partial class ScikitLearn
{
    /// <summary>MSE by degree (empty when unavailable) and a line saying what was run or why not.</summary>
    public sealed record Result(IReadOnlyDictionary<int, double> Mse, string Note);

    /// <summary>The Python interpreter Debian's python3-sklearn installs into.</summary>
    public const string Python = "/usr/bin/python3";

    /// <summary>Runs <c>sklearn_cv.py <paramref name="dataFile"/> degrees…</c> (the script sits beside this program).</summary>
    public static Result CrossValidate(string dataFile, IEnumerable<int> degrees)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "sklearn_cv.py");
        if (!File.Exists(Python)) return new(new Dictionary<int, double>(), $"scikit-learn: not compared ({Python} is missing; apt-get install python3-sklearn)");
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, dataFile }.Concat(degrees.Select(d => d.ToString(CultureInfo.InvariantCulture)))) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            var missing = Regex.Match(stderr.Result, @"No module named '(\w+)'");
            string why = missing.Success
                ? $"{Python} lacks the module '{missing.Groups[1].Value}'; apt-get install python3-sklearn"
                : $"sklearn_cv.py failed with exit code {process.ExitCode}: {stderr.Result.Trim().Split('\n').LastOrDefault()}";
            return new(new Dictionary<int, double>(), $"scikit-learn: not compared ({why})");
        }
        var mse = Line().Matches(stdout).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        return new(mse, $"scikit-learn: PolynomialFeatures + LinearRegression, cross_val_score(cv=10) by {Path.GetFileName(script)} on the same samples");
    }

    [GeneratedRegex(@"^sklearn degree=(\d+) cv_mse=(\S+)", RegexOptions.Multiline)]
    private static partial Regex Line();
}
