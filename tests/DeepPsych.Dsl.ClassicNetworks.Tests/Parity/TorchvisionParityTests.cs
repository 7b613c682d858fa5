using Examples.ClassicNetworks;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.ClassicNetworks.Tests.Parity;

/// <summary>The torchvision networks against torchvision itself, at the small inputs of Parity/InputSize.cs (64×64 and 32×32), batch 2: logits,
/// training-mode outputs and loss, and every parameter gradient (see <see cref="TorchvisionParity"/>).</summary>
public sealed class TorchvisionParityTests(ITestOutputHelper output)
{
    [TorchvisionFact]
    public void AlexNet_matches_torchvision_alexnet() => Report(TorchvisionParity.Check<AlexNet>("torchvision.models.alexnet()"));

    [TorchvisionFact]
    public void Vgg16_matches_torchvision_vgg16() => Report(TorchvisionParity.Check<Vgg16>("torchvision.models.vgg16()"));

    private void Report(IReadOnlyList<TensorComparison> results)
    {
        foreach (var r in results) output.WriteLine(r.ToString());
    }
}
