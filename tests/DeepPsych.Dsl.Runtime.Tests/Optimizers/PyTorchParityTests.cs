using System.Globalization;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Checkpoints;

namespace DeepPsych.Dsl.Tests.Optimizers;

/// <summary>Runs the same steps in PyTorch and here, beside the hand-computed tests: five steps on a 5-element vector
/// with fixed gradients, for each optimizer configuration.</summary>
public sealed class PyTorchParityTests
{
    private static readonly float[] s_p0 = [0.5f, -1.25f, 2f, 0.75f, -0.3f];

    private static float[] Gradient(int step, int i) => [(float)Math.Round(Math.Sin(1.3 * step + 0.7 * i) * 2, 3)];

    public static TheoryData<string, string> Configurations => new()
    {
        { "sgd", "torch.optim.SGD([p], lr=0.1)" },
        { "sgd-momentum-wd", "torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)" },
        { "sgd-nesterov", "torch.optim.SGD([p], lr=0.05, momentum=0.8, nesterov=True)" },
        { "adam", "torch.optim.Adam([p], lr=0.01, weight_decay=0.1)" },
        { "adamw", "torch.optim.AdamW([p], lr=0.01, weight_decay=0.1)" },
    };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(0.1f),
        "sgd-momentum-wd" => new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.01f),
        "sgd-nesterov" => new Sgd(0.05f, momentum: 0.8f, nesterov: true),
        "adam" => new Adam(0.01f, weightDecay: 0.1f),
        "adamw" => new AdamW(0.01f, weightDecay: 0.1f),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [TorchFact]
    public void Five_steps_match_pytorch()
    {
        foreach (var row in Configurations)
        {
            string name = (string)row[0], construct = (string)row[1];
            string output = TorchPython.Run($$"""
                import math
                p = torch.nn.Parameter(torch.tensor([{{string.Join(", ", s_p0.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}}], dtype=torch.float32))
                opt = {{construct}}
                for step in range(5):
                    p.grad = torch.tensor([round(math.sin(1.3 * step + 0.7 * i) * 2, 3) for i in range(5)], dtype=torch.float32)
                    opt.step()
                print(" ".join(repr(float(x)) for x in p.detach()))
                """);
            var expected = output.Trim().Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

            var optimizer = Create(name);
            var p = (float[])s_p0.Clone();
            var g = new float[5];
            for (int step = 0; step < 5; step++)
            {
                for (int i = 0; i < 5; i++) g[i] = Gradient(step, i)[0];
                optimizer.Step(p, g);
            }
            for (int i = 0; i < 5; i++)
                Assert.True(Math.Abs(expected[i] - p[i]) <= 2e-6f * Math.Max(1, Math.Abs(expected[i])),
                    $"{name}: element {i} is {p[i]:R} here, {expected[i]:R} in PyTorch");
        }
    }
}
