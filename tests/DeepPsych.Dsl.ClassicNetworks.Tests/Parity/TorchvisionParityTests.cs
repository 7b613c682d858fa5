using System.Globalization;
using System.Text.Json;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using Examples.ClassicNetworks;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.ClassicNetworks.Tests.Parity;

/// <summary>The torchvision networks against torchvision itself, at the small inputs of Parity/InputSize.cs (64×64 and 32×32), batch 2: logits,
/// training-mode outputs and loss, and every parameter gradient (see <see cref="TorchvisionParity"/>).</summary>
public sealed class TorchvisionParityTests(ITestOutputHelper output)
{
    [TorchvisionFact]
    public void AlexNet_matches_torchvision_alexnet() => TorchvisionParity.Check<AlexNet>("torchvision.models.alexnet()", output.WriteLine);

    [TorchvisionFact]
    public void Vgg16_matches_torchvision_vgg16() => TorchvisionParity.Check<Vgg16>("torchvision.models.vgg16()", output.WriteLine);

    /// <summary>The script's reimplementation of our dropout mask draws DropoutOp's mask exactly (so a parity failure with
    /// dropout on is not a mask mismatch): two rates, a seed above 2^31 as C# sees it (negative int), a late step, and
    /// elements past the first shard.</summary>
    [TorchvisionFact]
    public void Script_dropout_mask_is_DropoutOps()
    {
        (float Rate, int Seed, long Step, long First)[] cases = [(0.5f, 1234, 3, 0), (0.3f, -7, 1_000_003, 4096)];
        string script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Parity", "torchvision_parity.py"));
        const int count = 2000;
        string calls = string.Join(", ", cases.Select(c => string.Create(CultureInfo.InvariantCulture,
            $"deeppsych_dropout_mask({c.Rate:R}, {c.Seed}, {c.Step}, {c.First + count})[{c.First}:].tolist()")));
        using var masks = JsonDocument.Parse(TorchPython.Run(script + $"\nprint(json.dumps([{calls}]))\n"));
        for (int i = 0; i < cases.Length; i++)
        {
            var (rate, seed, step, first) = cases[i];
            var ones = Enumerable.Repeat(1f, count).ToArray();
            var y = new float[count];
            var mask = new float[count];
            DropoutOp.Forward(rate, seed, step, first, ones, y, mask);
            var theirs = masks.RootElement[i].EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(mask, theirs);
            Assert.InRange(mask.Count(m => m == 0) / (double)count, rate - 0.05, rate + 0.05);
        }
    }
}
