using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepPsych.Dsl.Examples.Smoke.Tests;

/// <summary>One quick run of examples/PolynomialFit shared by its tests.</summary>
public sealed class PolynomialFitRun
{
    public ExampleRun Run { get; } = ExampleRun.Start("PolynomialFit", "--quick").Succeeded();
}

public sealed class PolynomialFitTests(PolynomialFitRun fixture) : IClassFixture<PolynomialFitRun>
{
    private readonly ExampleRun _run = fixture.Run;

    private (double Network, double LeastSquares) CrossValidated(int degree)
    {
        var n = _run.Numbers($@"^degree\s+{degree} \| network (\S+) \| least squares (\S+)");
        return (n[0], n[1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void The_trained_network_reaches_the_closed_form_least_squares_fit(int degree)
    {
        var (network, leastSquares) = CrossValidated(degree);
        Assert.True(Math.Abs(network - leastSquares) <= 1e-3 * leastSquares,
            $"degree {degree}: cross-validated MSE of the network {network} vs least squares {leastSquares}");
    }

    [Fact]
    public void Degree_15_least_squares_extrapolates_wildly_while_degree_4_fits()
    {
        double degree4 = CrossValidated(4).LeastSquares, degree15 = CrossValidated(15).LeastSquares;
        Assert.InRange(degree4, 0.01, 0.1);
        Assert.True(degree15 > 1000 * degree4, $"degree 15: {degree15}, degree 4: {degree4}");
    }

    [SkippableTheory]
    [InlineData(1)]
    [InlineData(4)]
    public void Cross_validated_mse_agrees_with_scikit_learn_on_the_same_samples_and_folds(int degree)
    {
        double sklearn = ScikitLearnMse(degree);
        double network = CrossValidated(degree).Network;
        Assert.True(Math.Abs(network - sklearn) <= 0.10 * sklearn, $"degree {degree}: network {network}, scikit-learn {sklearn} (allowed: 10 %)");
    }

    [Fact]
    public void Writes_the_three_panel_figure() => _run.Png("polynomial_fit.png", 1500, 400);

    /// <summary>Runs the example's own sklearn_cv.py (beside its program) on its samples.csv, independently of the example.</summary>
    private static double ScikitLearnMse(int degree)
    {
        const string python = "/usr/bin/python3";
        Skip.IfNot(File.Exists(python), $"{python} is missing; install python3-sklearn to compare with scikit-learn.");
        string folder = ExampleRun.BuildFolder("PolynomialFit");
        var (code, output, errors) = Run(python, Path.Combine(folder, "sklearn_cv.py"), Path.Combine(folder, "samples.csv"), degree.ToString(CultureInfo.InvariantCulture));
        var missing = Regex.Match(errors, @"No module named '(\w+)'");
        Skip.If(code != 0 && missing.Success, $"/usr/bin/python3 lacks the module '{missing.Groups[1].Value}' (apt-get install python3-sklearn).");
        Assert.True(code == 0, $"sklearn_cv.py failed ({code}): {errors}");
        var match = Regex.Match(output, $@"^sklearn degree={degree} cv_mse=(\S+)", RegexOptions.Multiline);
        Assert.True(match.Success, $"sklearn_cv.py printed: {output}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static (int Code, string Output, string Errors) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errors.Result);
    }
}
