namespace Examples.ClassicNetworks;

/// <summary>The input side of the torchvision networks, which end in an adaptive average pool and so take any image
/// size: 224, torchvision's ImageNet size, here. The parity tests compile the same declaration files with their own
/// <c>InputSize</c> (tests/DeepPsych.Dsl.ClassicNetworks.Tests/Parity/InputSize.cs) to check against torchvision at small
/// inputs; the parameters are the same at every size.</summary>
internal static class InputSize
{
    /// <summary><see cref="ClassicNetworks.AlexNet"/>'s input height and width.</summary>
    public const int AlexNet = 224;
    /// <summary><see cref="ClassicNetworks.Vgg16"/>'s input height and width.</summary>
    public const int Vgg16 = 224;
    /// <summary>The ResNets' input height and width (<see cref="ClassicNetworks.ResNet18"/>, 34, 50).</summary>
    public const int ResNet = 224;
    /// <summary><see cref="ClassicNetworks.GoogLeNet"/>'s input height and width.</summary>
    public const int GoogLeNet = 224;
}
