using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.Demos;
using Examples.VanishingGradients;

// Vanishing gradients: the norm of dL/dW per layer of a ten-layer sigmoid MLP, of the same MLP with ReLU (Xavier
// initialisation), and with ReLU and He initialisation, on one batch of the playground's circle data at initialisation;
// then how well each trains in the same number of epochs. Building this project prints the generator's DPD0009 warning
// for DeepSigmoid: that is the point of the example.
const string usage = """
    VanishingGradients: gradient norm per layer of a deep sigmoid MLP against ReLU (Xavier and He initialisation).
      dotnet run -c Release --project examples/VanishingGradients -- [--seeds N] [--epochs N] [--output DIR] [--quick]
      --seeds N     initialisations averaged per network (default 5)
      --epochs N    training epochs per network (default 60)
      --output DIR  where vanishing_gradients.png goes (default runs/vanishing-gradients)
      --quick       2 seeds, 5 epochs (the smoke test)
    """;
return DemoArgs.Run(args, usage, ["--seeds", "--epochs", "--output"], [], Run);

static int Run(DemoArgs args)
{
    int seeds = args.Int("--seeds", args.Quick ? 2 : 5), epochs = args.Int("--epochs", args.Quick ? 5 : 60);
    string output = args.OutputFolder("runs/vanishing-gradients");
    var (train, test) = PlaygroundData.Generate("circle", 1000, noise: 0.1, seed: 1);
    var scale = new Normalization(0f, PlaygroundData.InputScale);   // as the other demos' networks see them
    train.Normalize(scale);
    test.Normalize(scale);

    var candidates = new (string Name, Func<INeuralNetwork> Make)[]
    {
        ("sigmoid, Xavier init", () => new DeepSigmoid()),
        ("ReLU, Xavier init", () => new DeepReluXavier()),
        ("ReLU, He init", () => new DeepReluHe()),
    };
    int batch = 256;
    var gradientPlot = new ScottPlot.Plot();
    var lossPlot = new ScottPlot.Plot();
    string[] layerNames = [];
    Console.WriteLine($"‖dL/dW‖ per layer at initialisation (one batch of {batch} circle points, geometric mean over {seeds} seeds); " +
                      $"then {epochs} epochs of SGD (momentum 0.9, lr 0.05, batch 32) on {train.Count} points");
    foreach (var (name, make) in candidates)
    {
        // Geometric mean over seeds of each layer's weight-gradient norm: the norms span orders of magnitude.
        double[]? logSum = null;
        for (int seed = 1; seed <= seeds; seed++)
        {
            var net = make();
            net.InitializeParameters(seed);
            net.ZeroGradients();
            net.ComputeGradients(train.Images.AsSpan(0, batch * 2), train.Labels.AsSpan(0, batch), batch);
            var weights = net.ParameterTensors.Where(t => !t.IsBias).ToArray();
            layerNames = weights.Select(t => t.Name.Split('.')[0]).ToArray();
            logSum ??= new double[weights.Length];
            for (int l = 0; l < weights.Length; l++) logSum[l] += Math.Log10(Norm(weights[l].Gradients));
        }
        var log10Norms = logSum!.Select(s => s / seeds).ToArray();
        Console.WriteLine($"{name,-21} | " + string.Join("  ", log10Norms.Select((v, l) => $"{layerNames[l]} {Math.Pow(10, v).ToString("0.0e+0", CultureInfo.InvariantCulture)}")));
        var line = gradientPlot.Add.Scatter(Enumerable.Range(1, log10Norms.Length).Select(i => (double)i).ToArray(), log10Norms);
        line.LegendText = name;
        line.LineWidth = 2;
        line.MarkerSize = 7;

        var trained = make();
        trained.InitializeParameters(1);
        var history = new Trainer(trained, new Sgd(0.05f, momentum: 0.9f), null,
            new TrainerOptions { Epochs = epochs, BatchSize = 32, Seed = 1, Prefetch = false, Verbose = false }).Fit(train, test);
        var last = history.Epochs[^1];
        Console.WriteLine($"{"",-21} | after {epochs} epochs: train loss {last.TrainLoss:F4}, test loss {last.ValLoss:F4}, test accuracy {last.ValAccuracy:P1}");
        var curve = lossPlot.Add.ScatterLine(history.Epochs.Select(e => e.Epoch + 1.0).ToArray(), history.Epochs.Select(e => e.ValLoss ?? double.NaN).ToArray());
        curve.LegendText = name;
        curve.LineWidth = 2;
    }

    var ticks = Enumerable.Range(1, layerNames.Length).Select(i => new ScottPlot.Tick(i, layerNames[i - 1])).ToArray();
    gradientPlot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
    gradientPlot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
    {
        IntegerTicksOnly = true,
        LabelFormatter = v => $"1e{v.ToString("0", CultureInfo.InvariantCulture)}",
    };
    gradientPlot.Title("‖∂L/∂W‖ per layer at initialisation (log scale)", size: 14);
    gradientPlot.XLabel("layer (input side → output)");
    gradientPlot.YLabel("gradient norm");
    gradientPlot.ShowLegend(ScottPlot.Alignment.LowerRight);
    lossPlot.Title($"Test loss while training (SGD momentum 0.9, lr 0.05)", size: 14);
    lossPlot.XLabel("epoch");
    lossPlot.YLabel("cross-entropy");
    lossPlot.Axes.SetLimitsY(0, 0.8);
    lossPlot.ShowLegend(ScottPlot.Alignment.UpperRight);
    Console.WriteLine($"wrote {Figures.SaveGrid([gradientPlot, lossPlot], 2, 640, 460, Path.Combine(output, "vanishing_gradients.png"))}");
    return 0;
}

static double Norm(ReadOnlySpan<float> values)
{
    double sum = 0;
    foreach (float v in values) sum += (double)v * v;
    return Math.Sqrt(sum);
}
