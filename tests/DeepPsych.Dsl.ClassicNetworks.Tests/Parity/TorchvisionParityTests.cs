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

    /// <summary>Blocks with a per-use downsample path, and BatchNorm: logits in eval mode, every gradient and the running
    /// statistics after one training batch.</summary>
    [TorchvisionFact]
    public void ResNet18_matches_torchvision_resnet18() => TorchvisionParity.Check<ResNet18>("torchvision.models.resnet18()", output.WriteLine);

    /// <summary>ResNet-34: the same BasicBlock as ResNet-18 in runs of 3, 4, 6, 3 (16 blocks, 36 BatchNorm layers).</summary>
    [TorchvisionFact]
    public void ResNet34_matches_torchvision_resnet34() => TorchvisionParity.Check<ResNet34>("torchvision.models.resnet34()", output.WriteLine);

    /// <summary>Bottleneck blocks (stride on the 3x3 convolution, torchvision's v1.5). At initialisation ResNet-50's
    /// training-mode gradients are ill-conditioned in float32: PyTorch's own float32 gradients are 2–9 % (of each tensor's
    /// largest value) away from its float64 ones below layer4.2 (measured at 64×64 batch 8, 128×128 and 224×224 batch 2),
    /// so no float32 implementation can meet the tolerance against another. Ours are judged against PyTorch's float64
    /// gradients instead: within the tolerance, or no further than twice PyTorch float32's distance.</summary>
    [TorchvisionFact]
    public void ResNet50_matches_torchvision_resnet50() => TorchvisionParity.Check<ResNet50>("torchvision.models.resnet50()", output.WriteLine, reference64: true);

    /// <summary>Nested blocks (inception modules of BasicConv2d), four-way Concat, ceil-mode pools, BatchNorm with eps 0.001,
    /// dropout on (the script draws our mask). Judged against PyTorch's float64 gradients, as ResNet-50: at 64×64 batch 2
    /// PyTorch's float32 gradients are up to 10 % (of the tensor's largest value) from float64 (inception4e.branch2.1),
    /// ours 1e-4 (we sum BatchNorm's statistics in double).</summary>
    [TorchvisionFact]
    public void GoogLeNet_matches_torchvision_googlenet() => TorchvisionParity.Check<GoogLeNet>("torchvision.models.googlenet(aux_logits=False, init_weights=True)", output.WriteLine, reference64: true);

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
