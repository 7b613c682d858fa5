using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.Demos;
using Examples.Playground;
using SkiaSharp;

// A TensorFlow-playground-style 2-D classifier: the playground's data sets with noise, a small MLP with a chosen
// activation, and the decision surface as it learns (one picture per stage) beside the train and test loss.
const string usage = """
    Playground: the TensorFlow playground's data sets, a 2-8-8-2 MLP, the decision surface as it learns.
      dotnet run -c Release --project examples/Playground -- [--dataset NAME|all] [--activation A] [--noise F]
                 [--epochs N] [--lr F] [--output DIR] [--quick]
      --dataset     circle, xor, gauss, spiral, or all (default all: one row each)
      --activation  tanh, relu, sigmoid or linear (default tanh, as on the playground)
      --noise F     0 to 0.5, the playground's noise slider / 100 (default 0.1)
      --epochs N    training epochs (default 300; 12 with --quick); pictures after 0, N/30, N/6 and N epochs
      --lr F        SGD learning rate (default 0.03, the playground's; batch 10, no momentum, as there)
      --output DIR  where playground_<dataset>_<activation>.png goes (default runs/playground)
    """;
return DemoArgs.Run(args, usage, ["--dataset", "--activation", "--noise", "--epochs", "--lr", "--output"], [], Run);

static int Run(DemoArgs args)
{
    string which = args.String("--dataset", "all"), activation = args.String("--activation", "tanh");
    double noise = args.Double("--noise", 0.1);
    int epochs = args.Int("--epochs", args.Quick ? 12 : 300);
    float lr = (float)args.Double("--lr", 0.03);
    string output = args.OutputFolder("runs/playground");
    if (which != "all" && !PlaygroundData.Names.Contains(which))
        throw new ArgumentException($"Unknown data set '{which}'; use {string.Join(", ", PlaygroundData.Names)} or all.\n{args.Usage}");
    string[] datasets = which == "all" ? PlaygroundData.Names : [which];
    if (!Networks.TryGetValue(activation, out var make))
        throw new ArgumentException($"Unknown activation '{activation}'; use {string.Join(", ", Networks.Keys)}.\n{args.Usage}");
    int[] stages = new[] { 0, epochs / 30, epochs / 6, epochs }.Distinct().ToArray();
    Console.WriteLine($"2-8-8-2 MLP, {activation}; 500 points per data set (half train, half test), noise {noise.ToString(CultureInfo.InvariantCulture)}; " +
                      $"SGD lr {lr.ToString(CultureInfo.InvariantCulture)}, batch 10, {epochs} epochs");

    const int panel = 200, gap = 12, caption = 34, title = 26, lossWidth = 300;
    int rowHeight = title + panel + caption;
    using var bitmap = new SKBitmap(gap + stages.Length * (panel + gap) + lossWidth + gap, datasets.Length * rowHeight + gap);
    using var canvas = new SKCanvas(bitmap);
    canvas.Clear(SKColors.White);
    for (int d = 0; d < datasets.Length; d++)
    {
        var (train, test) = PlaygroundData.Generate(datasets[d], 500, noise, seed: 1);
        var trainInputs = PlaygroundData.WithFeatures(train, PlaygroundData.NetworkInputs);
        var testInputs = PlaygroundData.WithFeatures(test, PlaygroundData.NetworkInputs);
        var net = make();
        net.InitializeParameters(1);
        var sgd = new Sgd(lr);
        var trainLoss = new List<double>();
        var testLoss = new List<double>();
        int top = gap / 2 + d * rowHeight;
        Figures.Text(canvas, $"{datasets[d]} ({activation})", gap, top + 18, 15, bold: true);
        for (int s = 0; s < stages.Length; s++)
        {
            // Train from the previous stage to this one; the optimizer and the network carry over.
            var trainer = new Trainer(net, sgd, null, new TrainerOptions { Epochs = stages[s], BatchSize = 10, Seed = 1, Prefetch = false, Verbose = false });
            var history = trainer.Fit(trainInputs, testInputs, startEpoch: s == 0 ? 0 : stages[s - 1]);
            double trainNow = trainer.Evaluate(trainInputs).Loss;
            var testNow = trainer.Evaluate(testInputs);
            if (s == 0) { trainLoss.Add(trainNow); testLoss.Add(testNow.Loss); }
            foreach (var e in history.Epochs) { trainLoss.Add(e.TrainLoss); testLoss.Add(e.ValLoss ?? double.NaN); }

            int left = gap + s * (panel + gap);
            DecisionSurface.Draw(canvas, net, left, top + title, panel, train, test, PlaygroundData.NetworkInputs);
            Figures.Text(canvas, $"epoch {stages[s]}", left, top + title + panel + 15, 13, bold: true);
            Figures.Text(canvas, $"train loss {trainNow:F3}, test loss {testNow.Loss:F3}", left, top + title + panel + 30, 12);
            if (s == stages.Length - 1)
                Console.WriteLine($"{datasets[d],-7} after {stages[s]} epochs: train loss {trainNow:F4}, test loss {testNow.Loss:F4}, test accuracy {testNow.Accuracy:P1}");
        }
        var plot = new ScottPlot.Plot();
        var xs = Enumerable.Range(0, trainLoss.Count).Select(i => (double)i).ToArray();
        var trainLine = plot.Add.ScatterLine(xs, trainLoss.ToArray());
        trainLine.LegendText = "train (mean over the epoch)";
        var testLine = plot.Add.ScatterLine(xs, testLoss.ToArray());
        testLine.LegendText = "test";
        plot.Title("loss", size: 12);
        plot.XLabel("epoch", size: 11);
        plot.Axes.SetLimitsY(0, Math.Max(0.8, testLoss.Concat(trainLoss).Where(double.IsFinite).Max() * 1.05));
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        int lossLeft = gap + stages.Length * (panel + gap);
        Figures.Draw(canvas, plot, lossLeft, top + 4, lossWidth, title + panel + caption - 12);
    }
    Console.WriteLine($"wrote {Figures.SavePng(bitmap, Path.Combine(output, $"playground_{which}_{activation}.png"))}");
    return 0;
}

/// <summary>The network for each --activation: one generated class per activation (Networks.cs).</summary>
static partial class Program
{
    private static readonly Dictionary<string, Func<INeuralNetwork>> Networks = new()
    {
        ["tanh"] = () => new PlaygroundTanh(),
        ["relu"] = () => new PlaygroundReLU(),
        ["sigmoid"] = () => new PlaygroundSigmoid(),
        ["linear"] = () => new PlaygroundLinear(),
    };
}
