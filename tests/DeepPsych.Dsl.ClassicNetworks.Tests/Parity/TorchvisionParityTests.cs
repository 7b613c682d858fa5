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
}
