using System.Diagnostics;
using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Optimizers;
using Examples.Demos;
using Examples.PolynomialFit;

// Over- and under-fitting by polynomial regression, as in scikit-learn's "Underfitting vs. Overfitting" example: 30 noisy
// samples of cos(1.5πx), fitted with polynomials of degree 1, 4 and 15 and scored by 10-fold cross-validated MSE; then
// degree 15 again with L2 weight decay. Each fit is a generated network (Dense(1), MSE) trained by gradient descent on
// polynomial features, checked against the closed-form least-squares solution and, when python3-sklearn is installed,
// against scikit-learn on the same samples and folds.
const string usage = """
    PolynomialFit: under- and over-fitting by polynomial regression (scikit-learn's "Underfitting vs. Overfitting").
      dotnet run -c Release --project examples/PolynomialFit -- [--steps N] [--output DIR] [--quick]
      --steps N     gradient-descent steps per fit (default 20000; 4000 with --quick)
      --output DIR  where the PNGs go (default runs/polynomial-fit)
      --quick       fewer steps and no weight-decay sweep (the smoke test)
    """;
return DemoArgs.Run(args, usage, ["--steps", "--output"], [], Run);

static int Run(DemoArgs args)
{
    int steps = args.Int("--steps", args.Quick ? 4000 : 20000);
    string output = args.OutputFolder("runs/polynomial-fit");
    string dataFile = Path.Combine(AppContext.BaseDirectory, "samples.csv");
    var (x, y) = ReadSamples(dataFile);
    var clock = Stopwatch.StartNew();
    Console.WriteLine($"{x.Length} samples of cos(1.5πx) + noise (σ = 0.1) from {Path.GetFileName(dataFile)}; 10-fold cross-validation " +
                      $"(contiguous folds of the sorted x, as scikit-learn's cv=10); gradient descent: {steps} full-batch steps, SGD momentum 0.9, lr = 1/curvature");

    var sklearn = ScikitLearn.CrossValidate(dataFile, Fits.Degrees);
    Console.WriteLine(sklearn.Note);
    Console.WriteLine();
    Console.WriteLine("10-fold cross-validated MSE");
    var cv = new Dictionary<int, (double Network, double ClosedForm)>();
    foreach (int degree in Fits.Degrees)
    {
        cv[degree] = Fits.CrossValidate(degree, x, y, weightDecay: 0, steps);
        string reference = sklearn.Mse.TryGetValue(degree, out double s) ? $" | scikit-learn {F(s)}" : "";
        Console.WriteLine($"degree {degree,2} | network {F(cv[degree].Network)} | least squares {F(cv[degree].ClosedForm)}{reference}");
    }

    var plots = new List<ScottPlot.Plot>();
    foreach (int degree in Fits.Degrees)
    {
        var net = Fits.TrainNetwork(degree, x, y, weightDecay: 0, steps);
        var closed = LeastSquares.Solve(LeastSquares.Design(x, degree), y);
        plots.Add(Fits.Plot($"Degree {degree}: CV MSE {F(cv[degree].Network)} (network), {F(cv[degree].ClosedForm)} (least squares)", x, y, net, degree, closed));
    }
    Console.WriteLine($"wrote {Figures.SaveGrid(plots, 3, 560, 420, Path.Combine(output, "polynomial_fit.png"))}");

    if (!args.Quick)
    {
        Console.WriteLine();
        Console.WriteLine("Degree 15 with L2 weight decay λ (SGD's coupled decay on the weights, not the bias; the closed form is ridge regression with α = nλ/2)");
        var l2Plots = new List<ScottPlot.Plot>();
        foreach (double decay in new[] { 1e-4, 1e-3, 1e-2, 1e-1, 1, 10 })
        {
            var (network, closedForm) = Fits.CrossValidate(15, x, y, (float)decay, steps);
            Console.WriteLine($"λ = {Decay(decay),-6} | network {F(network)} | ridge {F(closedForm)}");
            var net = Fits.TrainNetwork(15, x, y, (float)decay, steps);
            var ridge = LeastSquares.Solve(LeastSquares.Design(x, 15), y, ridge: x.Length * decay / 2);
            l2Plots.Add(Fits.Plot($"Degree 15, λ = {Decay(decay)}: CV MSE {F(network)} (network), {F(closedForm)} (ridge)", x, y, net, 15, ridge));
        }
        Console.WriteLine($"wrote {Figures.SaveGrid(l2Plots, 3, 560, 420, Path.Combine(output, "polynomial_l2.png"))}");
    }
    Console.WriteLine($"done in {clock.Elapsed.TotalSeconds:F1} s");
    return 0;
}

static string Decay(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

static string F(double value) => value.ToString(Math.Abs(value) >= 1e4 ? "0.00e+0" : "0.00000", CultureInfo.InvariantCulture);

static (double[] X, double[] Y) ReadSamples(string path)
{
    var rows = File.ReadLines(path).Where(l => !l.StartsWith('#') && !l.StartsWith("x,", StringComparison.Ordinal) && l.Length > 0)
        .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
    return (rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray());
}
