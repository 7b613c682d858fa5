using DeepPsych.Dsl;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using Examples.Demos;
using Examples.LogisticVsMlp;
using SkiaSharp;

// Logistic regression against a multi-layer perceptron on the playground's circle: a blue disc inside an orange ring,
// which no line separates. Logistic regression on (x1, x2) stays near chance; given the squares x1², x2² as extra
// features it succeeds; the MLP finds such features itself.
const string usage = """
    LogisticVsMlp: logistic regression against an MLP on data a line cannot separate (the playground's circle).
      dotnet run -c Release --project examples/LogisticVsMlp -- [--epochs N] [--noise F] [--output DIR] [--quick]
      --epochs N    training epochs (default 200; 20 with --quick)
      --noise F     the playground's noise, 0 to 0.5 (default 0.1)
      --output DIR  where logistic_vs_mlp.png goes (default runs/logistic-vs-mlp)
    """;
return DemoArgs.Run(args, usage, ["--epochs", "--noise", "--output"], [], Run);

static int Run(DemoArgs args)
{
    int epochs = args.Int("--epochs", args.Quick ? 20 : 200);
    string output = args.OutputFolder("runs/logistic-vs-mlp");
    var (train, test) = PlaygroundData.Generate("circle", 500, args.Double("--noise", 0.1), seed: 1);
    Console.WriteLine($"circle: {train.Count} training and {test.Count} test points; Adam lr 0.01, batch 10, {epochs} epochs");

    var models = new (string Title, INeuralNetwork Network, Func<float[], float[]> Features)[]
    {
        ("logistic regression on (x₁, x₂)", new LogisticRegression(), Plain),
        ("logistic regression on (x₁, x₂, x₁², x₂²)", new LogisticOnSquares(), Squares),
        ("MLP 2-8-2, tanh, on (x₁, x₂)", new Mlp(), Plain),
    };
    const int panel = 320, margin = 16, header = 64;
    using var bitmap = new SKBitmap(models.Length * (panel + margin) + margin, panel + header + margin);
    using var canvas = new SKCanvas(bitmap);
    canvas.Clear(SKColors.White);
    for (int m = 0; m < models.Length; m++)
    {
        var (title, net, features) = models[m];
        net.InitializeParameters(1);
        var trainer = new Trainer(net, new Adam(0.01f), null, new TrainerOptions { Epochs = epochs, BatchSize = 10, Seed = 1, Prefetch = false, Verbose = false });
        trainer.Fit(PlaygroundData.WithFeatures(train, features));
        var trainResult = trainer.Evaluate(PlaygroundData.WithFeatures(train, features));
        var testResult = trainer.Evaluate(PlaygroundData.WithFeatures(test, features));
        Console.WriteLine($"{title,-42} | {net.Parameters.Length,3} parameters | train loss {trainResult.Loss:F3} accuracy {trainResult.Accuracy:P1} | test loss {testResult.Loss:F3} accuracy {testResult.Accuracy:P1}");

        int left = margin + m * (panel + margin);
        Figures.Text(canvas, title, left, 22, 14, bold: true);
        Figures.Text(canvas, $"test accuracy {testResult.Accuracy:P1}, test loss {testResult.Loss:F3}", left, 44);
        DecisionSurface.Draw(canvas, net, left, header - 8, panel, train, test, features);
    }
    Console.WriteLine($"wrote {Figures.SavePng(bitmap, Path.Combine(output, "logistic_vs_mlp.png"))}");
    return 0;
}

// The networks see the scaled coordinates (PlaygroundData.NetworkInputs), and for LogisticOnSquares their squares too.
static float[] Plain(float[] xy) => PlaygroundData.NetworkInputs(xy);

static float[] Squares(float[] xy)
{
    var f = new float[xy.Length * 2];
    for (int i = 0; i < xy.Length / 2; i++)
    {
        float x = xy[2 * i] / PlaygroundData.InputScale, y = xy[2 * i + 1] / PlaygroundData.InputScale;
        (f[4 * i], f[4 * i + 1], f[4 * i + 2], f[4 * i + 3]) = (x, y, x * x, y * y);
    }
    return f;
}
