using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using MyNet;

// Trains FashionCnn on Fashion-MNIST (on Debian: apt-get install -y dataset-fashion-mnist) and writes a report.
//   dotnet run -c Release -- [--epochs 3] [--limit 60000] [--data DIR] [--output DIR]
int epochs = 3, batchSize = 64, seed = 1;
int? limit = null;
string? data = null;
string output = "runs/fashion-cnn";
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--epochs": epochs = int.Parse(value); i++; break;
        case "--limit": limit = int.Parse(value); i++; break;
        case "--data": data = value; i++; break;
        case "--output": output = value; i++; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}; options: --epochs N, --limit N, --data DIR, --output DIR"); return 2;
    }
}

Dataset train, test;
try { (train, test) = FashionMnist.Load(data, trainLimit: limit); }
catch (Exception e) when (e is DatasetNotFoundException or DataFormatException) { Console.Error.WriteLine(e.Message); return 1; }

var net = new FashionCnn { Seed = seed };
net.InitializeParameters(seed);
Console.WriteLine(net.Summary());

long steps = (long)epochs * ((train.Count + batchSize - 1) / batchSize);
var optimizer = new Sgd(0.05f, momentum: 0.9f, weightDecay: 5e-4f, nesterov: true) { DecayBiases = false };
var trainer = new Trainer(net, optimizer, new OneCycleSchedule(0.05f, steps),
    new TrainerOptions { Epochs = epochs, BatchSize = batchSize, Seed = seed });
trainer.Callbacks.Add(new LoggingCallback(Console.Out, every: 100));   // a line every 100 batches, one per epoch

var history = trainer.Fit(train, test);
var evaluation = trainer.Evaluate(test);
Console.WriteLine($"test accuracy {evaluation.Accuracy:P2}, test loss {evaluation.Loss:F4}");
Console.WriteLine(evaluation.FormatConfusionMatrix());

Directory.CreateDirectory(output);
history.Save(Path.Combine(output, "metrics.json"));
Checkpoint.Save(net, Path.Combine(output, "fashion-cnn.safetensors"), optimizer, overwrite: true);
File.WriteAllText(Path.Combine(output, "confusion_matrix.txt"), evaluation.FormatConfusionMatrix());
Console.WriteLine($"wrote metrics.json, fashion-cnn.safetensors and confusion_matrix.txt to {Path.GetFullPath(output)}");
return 0;
