using DeepPsych.Dsl;
using DeepPsych.Dsl.Optimizers;

namespace Examples.PolynomialFit;

/// <summary>Training the polynomial networks, cross-validating them, and drawing a fit.</summary>
public static class Fits
{
    /// <summary>The generated network of each degree of the scikit-learn example (Networks.cs).</summary>
    private static readonly Dictionary<int, Func<INeuralNetwork>> Networks = new()
    {
        [1] = () => new PolynomialDegree1(),
        [4] = () => new PolynomialDegree4(),
        [15] = () => new PolynomialDegree15(),
    };

    /// <summary>The degrees of the scikit-learn example.</summary>
    public static IReadOnlyCollection<int> Degrees => Networks.Keys;

    /// <summary>A new generated network for <paramref name="degree"/>.</summary>
    public static INeuralNetwork Network(int degree) => Networks.TryGetValue(degree, out var make)
        ? make()
        : throw new ArgumentOutOfRangeException(nameof(degree), degree, $"Declared degrees: {string.Join(", ", Degrees)} (Networks.cs).");

    /// <summary>Trains the degree-<paramref name="degree"/> network on (x, y) by full-batch gradient descent: SGD with
    /// momentum 0.9 and weight decay λ (not on the bias), lr = 1/L with L the loss's largest curvature.</summary>
    /// <remarks>The loss (1/n)‖Aw − y‖² + (λ/2)‖w‖² has Hessian (2/n)AᵀA + λ; a step of 1/L with L = 2λ_max(AᵀA)/n + λ
    /// never overshoots along the steepest direction. (The library's Trainer trains classifiers; this loop is the
    /// regression counterpart: zero the gradients, ComputeGradients with float targets, optimizer step.)</remarks>
    public static INeuralNetwork TrainNetwork(int degree, double[] x, double[] y, float weightDecay, int steps)
    {
        var net = Network(degree);
        net.Threads = 1;
        net.InitializeParameters(seed: 1);
        var features = LegendreFeatures.Of(x, degree);
        var targets = y.Select(v => (float)v).ToArray();
        double curvature = 2 * LeastSquares.LargestEigenvalueOfGram(LeastSquares.Design(x, degree)) / x.Length + weightDecay;
        var sgd = new Sgd((float)(1 / curvature), momentum: 0.9f, weightDecay: weightDecay) { DecayBiases = false };
        for (int step = 0; step < steps; step++)
        {
            net.ZeroGradients();
            net.ComputeGradients(features, targets, x.Length);
            sgd.Step(net);
        }
        return net;
    }

    /// <summary>The network's predictions at <paramref name="x"/>.</summary>
    public static double[] Predict(INeuralNetwork net, int degree, double[] x)
    {
        var outputs = new float[x.Length];
        net.Forward(LegendreFeatures.Of(x, degree), outputs, x.Length);
        return outputs.Select(v => (double)v).ToArray();
    }

    /// <summary>Mean over k folds of the test MSE, for the network and for the closed form (least squares, or ridge with
    /// α = nλ/2, which the network with weight decay λ converges to). The folds are scikit-learn's <c>KFold(k)</c>
    /// without shuffling: contiguous blocks, the first n mod k one sample larger.</summary>
    public static (double Network, double ClosedForm) CrossValidate(int degree, double[] x, double[] y, float weightDecay, int steps, int folds = 10)
    {
        double network = 0, closedForm = 0;
        int start = 0;
        for (int f = 0; f < folds; f++)
        {
            int size = x.Length / folds + (f < x.Length % folds ? 1 : 0);
            var testX = x[start..(start + size)];
            var testY = y[start..(start + size)];
            var trainX = x[..start].Concat(x[(start + size)..]).ToArray();
            var trainY = y[..start].Concat(y[(start + size)..]).ToArray();
            start += size;

            var predicted = Predict(TrainNetwork(degree, trainX, trainY, weightDecay, steps), degree, testX);
            var w = LeastSquares.Solve(LeastSquares.Design(trainX, degree), trainY, ridge: trainX.Length * weightDecay / 2.0);
            network += Mse(predicted, testY);
            closedForm += Mse(testX.Select(v => LeastSquares.Predict(w, v)).ToArray(), testY);
        }
        return (network / folds, closedForm / folds);
    }

    private static double Mse(double[] predicted, double[] actual) => predicted.Zip(actual, (p, a) => (p - a) * (p - a)).Average();

    /// <summary>One panel: the samples, the true function, the network's fit and the closed form's (dashed).</summary>
    public static ScottPlot.Plot Plot(string title, double[] x, double[] y, INeuralNetwork net, int degree, double[] closedForm)
    {
        var grid = Enumerable.Range(0, 201).Select(i => i / 200.0).ToArray();
        var plot = new ScottPlot.Plot();
        var truth = plot.Add.ScatterLine(grid, grid.Select(v => Math.Cos(1.5 * Math.PI * v)).ToArray());
        truth.LegendText = "true function cos(1.5πx)";
        truth.LineWidth = 2;
        var fit = plot.Add.ScatterLine(grid, Predict(net, degree, grid));
        fit.LegendText = "network (gradient descent)";
        fit.LineWidth = 2;
        var exact = plot.Add.ScatterLine(grid, grid.Select(v => LeastSquares.Predict(closedForm, v)).ToArray());
        exact.LegendText = "closed form (double)";
        exact.LinePattern = ScottPlot.LinePattern.Dashed;
        exact.LineWidth = 1.5f;
        exact.Color = ScottPlot.Colors.Black;
        var samples = plot.Add.ScatterPoints(x, y);
        samples.LegendText = "samples";
        samples.MarkerSize = 7;
        plot.Axes.SetLimits(0, 1, -2, 2);
        plot.Title(title, size: 13);
        plot.XLabel("x");
        plot.YLabel("y");
        plot.ShowLegend(ScottPlot.Alignment.LowerLeft);
        return plot;
    }
}
