using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.Plotting;

namespace Examples.Overfitting;

/// <summary>The lecture's over-fitting demo, on images: a network with far more parameters than training samples fits its
/// 500 training images almost perfectly while the test loss turns upward. Measured (60 epochs, seed 1, README): L2 weight
/// decay holds it back (test loss 0.70 against 1.00 without regularisation); dropout 0.5 alone does not (1.02), but with
/// L2 it gives the lowest test loss of any epoch (0.64 at its best epoch, 0.75 at the end).</summary>
public static class OverfittingDemo
{
    public const string Usage = """
        The over-fitting demo: a 270,000-parameter MLP on a few hundred Fashion-MNIST images, with and without L2 and dropout.

        Usage: overfitting [--epochs N] [--train N] [--output DIR] [--overwrite]

          --epochs N      epochs per run (default 60)
          --train N       training images (default 500; the test set is the first 2,000 test images)
          --output DIR    where overfitting_1..4.png go (default runs/overfitting)
          --overwrite     replace the files of an earlier run in DIR
          --help          this text
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        int epochs = 60, trainCount = 500;
        string outputPath = "runs/overfitting";
        bool overwrite = false;
        try
        {
            args = CommandLine.ExpandEquals(args);
            for (int i = 0; i < args.Length; i++)
            {
                string flag = args[i];
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value. See --help.");
                int Positive() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{flag} needs a positive whole number, not '{args[i]}'.");
                switch (flag)
                {
                    case "--epochs": epochs = Positive(); break;
                    case "--train": trainCount = Positive(); break;
                    case "--output": outputPath = Value(); break;
                    case "--overwrite": overwrite = true; break;
                    case "--help" or "-h": output.WriteLine(Usage); return 0;
                    default: throw new ArgumentException($"Unknown option '{flag}'. See --help.");
                }
            }
            RunDirectory.Check(outputPath, overwrite, "pass --overwrite");
        }
        catch (Exception e) when (e is ArgumentException or RunDirectoryException) { error.WriteLine(e.Message); return 2; }

        Dataset train, test;
        try { (train, test) = FashionMnist.Load(trainLimit: trainCount, testLimit: 2000); }
        catch (Exception e) when (e is DatasetNotFoundException or DataFormatException) { error.WriteLine(e.Message); return 1; }
        RunDirectory run;
        try { run = RunDirectory.Prepare(outputPath, overwrite, "pass --overwrite"); }
        catch (RunDirectoryException e) { error.WriteLine(e.Message); return 5; }
        output.WriteLine($"{train.Count} training images, {test.Count} test images, {epochs} epochs, SGD momentum 0.9, lr 0.02, batch 50");

        var runs = new (string Name, Func<INeuralNetwork> Network, float WeightDecay)[]
        {
            ("no regularization", () => new WideMlp(), 0f),
            ("L2 weight decay 5e-3", () => new WideMlp(), 5e-3f),
            ("dropout 0.5", () => new WideMlpWithDropout(), 0f),
            ("dropout 0.5 + L2 5e-3", () => new WideMlpWithDropout(), 5e-3f),
        };
        var histories = new List<TrainingHistory>();
        foreach (var (name, make, decay) in runs)
        {
            var net = make();
            net.InitializeParameters(1);
            net.Seed = 1;
            var trainer = new Trainer(net, new Sgd(0.02f, momentum: 0.9f, weightDecay: decay) { DecayBiases = false }, null,
                new TrainerOptions { Epochs = epochs, BatchSize = 50, Seed = 1, Prefetch = false, Verbose = false });
            var history = trainer.Fit(train, test);
            histories.Add(history);
            var trainEval = trainer.Evaluate(train);   // in inference mode, like the test figures
            var last = history.Epochs[^1];
            double bestTest = history.Epochs.Min(e => e.ValLoss ?? double.NaN);
            output.WriteLine($"{name,-24} train loss {trainEval.Loss:F4} acc {trainEval.Accuracy:P1} | test loss {last.ValLoss:F4} (best {bestTest:F4}) acc {last.ValAccuracy:P1}");
        }

        // One y-scale for all four plots, so that they can be compared.
        var range = SharedRange(histories);
        for (int r = 0; r < runs.Length; r++)
        {
            string file = run.File($"overfitting_{r + 1}.png");
            LossPlot(runs[r].Name, histories[r], range).SavePng(file, 800, 450);
            output.WriteLine($"{"",-24} wrote {file}");
        }
        return 0;
    }

    /// <summary>One y-range that holds every train and test loss of every run.</summary>
    public static (double Bottom, double Top) SharedRange(IEnumerable<TrainingHistory> histories) =>
        Plots.SharedRange(histories.SelectMany(h => new[] { h.Epochs.Select(e => e.TrainLoss), h.Epochs.Select(e => e.ValLoss ?? double.NaN) }));

    /// <summary>Train and test loss per epoch on the given y-range.</summary>
    public static ScottPlot.Plot LossPlot(string title, TrainingHistory history, (double Bottom, double Top) range)
    {
        var p = new ScottPlot.Plot();
        double[] x = history.Epochs.Select(e => (double)e.Number).ToArray();
        var trainLine = p.Add.ScatterLine(x, history.Epochs.Select(e => e.TrainLoss).ToArray());
        trainLine.LegendText = "train loss (training mode)";
        var testLine = p.Add.ScatterLine(x, history.Epochs.Select(e => e.ValLoss ?? double.NaN).ToArray());
        testLine.LegendText = "test loss";
        p.Title(title);
        Plots.EpochAxis(p, history.Epochs.Count);
        p.Axes.SetLimitsY(range.Bottom, range.Top);
        p.YLabel("cross-entropy");
        p.ShowLegend(ScottPlot.Alignment.UpperRight);
        return p;
    }
}
