extern alias Classic;
using Classic::Examples.ClassicNetworks;

namespace DeepPsych.Dsl.ClassicNetworks.Tests;

/// <summary>ResNet-18 as declared (224 × 224): FreezeForInference folds all 20 BatchNorms (each reads a bias-free
/// convolution that nothing else reads) and gives the eval-mode Forward's logits.</summary>
public sealed class ResNetFoldingTests
{
    [Fact]
    public void ResNet18_folds_every_BatchNorm_and_gives_the_unfolded_logits()
    {
        var net = new ResNet18 { Threads = 2 };
        net.InitializeParameters(5);
        var random = new Random(5);
        foreach (var p in net.ParameterTensors.Where(p => net.Buffers.Any(b => b.Name == p.Name.Replace(".weight", ".running_mean")) || p.IsBias))
            foreach (ref float v in p.Values) v = p.IsBias ? random.NextSingle() - 0.5f : 0.5f + random.NextSingle();
        foreach (var b in net.Buffers.Where(b => !b.IsInt64))
            foreach (ref float v in b.Values) v = b.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 0.5f + random.NextSingle() : random.NextSingle() - 0.5f;
        var snapshot = net.FreezeForInference();
        Assert.Equal(20, snapshot.Folds.Count);
        Assert.Contains("Layer2.0.Downsample_1 into Layer2.0.Downsample_0", snapshot.Folds);

        var image = Enumerable.Range(0, ResNet18.InputLength).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        var expected = new float[ResNet18.OutputLength];
        var actual = new float[ResNet18.OutputLength];
        net.Forward(image, expected, 1);
        snapshot.Forward(image, actual, 1);
        // Float32 both ways; the folded weights are rounded once and 17 layers deep the differences grow to a few ulp of
        // the largest activations: 1e-5 of the largest logit.
        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 0.1);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / scale);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"logit {i}: unfolded {expected[i]:R}, folded {actual[i]:R} (largest {scale:G4})");
        }
    }
}
