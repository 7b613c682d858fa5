using DeepPsych.Dsl;
using Examples.ClassicNetworks;

namespace Examples.FashionMnist;

/// <summary>A network the main job trains (<c>--network</c>), with the defaults of its recipe. The flags override them.</summary>
/// <param name="Name">The <c>--network</c> value; also names the run folder and the checkpoint (<c>{Name}.safetensors</c>).</param>
/// <param name="Title">How reports and plots name it.</param>
public sealed record NetworkChoice(string Name, string Title, Func<INeuralNetwork> Create, Options Defaults)
{
    public static readonly IReadOnlyList<NetworkChoice> All =
    [
        // The lecture's LeNet-5 and the main job's original recipe (Options' own defaults).
        new("lenet5", "LeNet-5", () => new LeNet5(), new Options()),
        // ResNet-20 (examples/ClassicNetworks/ResNet20.cs): SGD with Nesterov momentum 0.9, one-cycle to a peak of 0.1,
        // weight decay 5e-4 off biases, batch 128, random crop (padding 2) and horizontal flip.
        new("resnet20", "ResNet-20", () => new ResNet20(),
            new Options { Network = "resnet20", Epochs = 10, BatchSize = 128, LearningRate = 0.1f, Augment = "crop-flip" }),
    ];

    public static NetworkChoice Find(string name) => All.FirstOrDefault(n => n.Name == name)
        ?? throw new ArgumentException($"--network must be one of {string.Join(", ", All.Select(n => n.Name))}, not '{name}'.");
}
