using DeepPsych.Dsl.Checkpoints;

namespace DeepPsych.Dsl.Tests.Checkpoints;

public sealed class PyTorchNamesTests
{
    [Theory]
    [InlineData("Features_0.weight", "features.0.weight")]            // torchvision nn.Sequential index
    [InlineData("Classifier_6.bias", "classifier.6.bias")]
    [InlineData("Features_10.weight", "features.10.weight")]          // more than one digit
    [InlineData("Layer1_0.Conv1.weight", "layer1.0.conv1.weight")]    // ResNet: digits that are part of a name stay
    [InlineData("Layer1_0.Downsample_1.running_mean", "layer1.0.downsample.1.running_mean")]
    [InlineData("Inception3a.Branch2_0.Conv.weight", "inception3a.branch2.0.conv.weight")]
    [InlineData("Block_2_1.weight", "block.2.1.weight")]              // nested Sequentials
    [InlineData("Fc.weight", "fc.weight")]
    [InlineData("C1.weight", "c1.weight")]
    [InlineData("conv_a.weight", "conv_a.weight")]                    // _ before letters is kept
    [InlineData("Conv_1x1.weight", "conv_1x1.weight")]                // _ before digits and letters is kept
    [InlineData("Avgpool", "avgpool")]
    public void Maps_property_paths_to_state_dict_keys(string ours, string pytorch) => Assert.Equal(pytorch, PyTorchNames.ToPyTorch(ours));

    [Theory]
    [InlineData("")]
    [InlineData("Features_0..weight")]
    [InlineData(".weight")]
    public void Empty_segments_are_refused(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => PyTorchNames.ToPyTorch(name));
        Assert.Contains("empty segment", e.Message);
    }
}
