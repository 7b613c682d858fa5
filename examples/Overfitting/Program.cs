using DeepPsych.Dsl;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.Overfitting;

// The lecture's over-fitting demo, on images: a network with far more parameters than training samples fits its
// 500 training images almost perfectly while the test loss turns upward; L2 weight decay and dropout hold it back.
//   dotnet run --project examples/Overfitting -c Release -- [--epochs 60] [--train 500] [--output runs/overfitting]
int epochs = Arg("--epochs", 60), trainCount = Arg("--train", 500);
string output = Path.GetFullPath(args.SkipWhile(a => a != "--output").Skip(1).FirstOrDefault() ?? "runs/overfitting");
Directory.CreateDirectory(output);

Dataset train, test;
try { (train, test) = FashionMnist.Load(trainLimit: trainCount, testLimit: 2000); }
catch (Exception e) when (e is DatasetNotFoundException or DataFormatException) { Console.Error.WriteLine(e.Message); return 1; }
Console.WriteLine($"{train.Count} training images, {test.Count} test images, {epochs} epochs, SGD momentum 0.9, lr 0.02, batch 50");

var runs = new (string Name, Func<INeuralNetwork> Network, float WeightDecay)[]
{
    ("no regularization", () => new WideMlp(), 0f),
    ("L2 weight decay 5e-3", () => new WideMlp(), 5e-3f),
    ("dropout 0.5", () => new WideMlpWithDropout(), 0f),
    ("dropout 0.5 + L2 5e-3", () => new WideMlpWithDropout(), 5e-3f),
};
for (int r = 0; r < runs.Length; r++)
{
    var (name, make, decay) = runs[r];
    var net = make();
    net.InitializeParameters(1);
    net.Seed = 1;
    var trainer = new Trainer(net, new Sgd(0.02f, momentum: 0.9f, weightDecay: decay) { DecayBiases = false }, null,
        new TrainerOptions { Epochs = epochs, BatchSize = 50, Seed = 1, Prefetch = false });
    var history = trainer.Fit(train, test);
    var trainEval = trainer.Evaluate(train);   // in inference mode, like the test figures
    var last = history.Epochs[^1];
    double bestTest = history.Epochs.Min(e => e.TestLoss ?? double.NaN);
    Console.WriteLine($"{name,-24} train loss {trainEval.Loss:F4} acc {trainEval.Accuracy:P1} | test loss {last.TestLoss:F4} (best {bestTest:F4}) acc {last.TestAccuracy:P1}");

    var p = new ScottPlot.Plot();
    double[] x = history.Epochs.Select(e => (double)e.Epoch + 1).ToArray();
    var trainLine = p.Add.ScatterLine(x, history.Epochs.Select(e => e.TrainLoss).ToArray());
    trainLine.LegendText = "train loss (training mode)";
    var testLine = p.Add.ScatterLine(x, history.Epochs.Select(e => e.TestLoss ?? double.NaN).ToArray());
    testLine.LegendText = "test loss";
    p.Title(name);
    p.XLabel("epoch");
    p.YLabel("cross-entropy");
    p.ShowLegend(ScottPlot.Alignment.UpperRight);
    string file = Path.Combine(output, $"overfitting_{r + 1}.png");
    p.SavePng(file, 800, 450);
    Console.WriteLine($"{"",-24} wrote {file}");
}
return 0;

int Arg(string flag, int fallback)
{
    int i = Array.IndexOf(args, flag);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1]) : fallback;
}
