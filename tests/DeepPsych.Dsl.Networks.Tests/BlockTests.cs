using DeepPsych.Dsl.TestNetworks;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>The run-time side of [Block]s (src/DeepPsych.Dsl/Block.cs): a block's layer properties return the network's
/// layers named by their path, a path its arguments leave out says so, and parameter names follow the nesting.</summary>
public class BlockTests
{
    [Fact]
    public void Block_layer_properties_return_the_network_layers_named_by_path()
    {
        var net = new TinyResNet();
        Assert.Equal("Layer2.0.Downsample_0", net.Layer2[0].Downsample_0.Name);
        Assert.Equal("Layer1.1", net.Layer1[1].Path);
        Assert.Same(net.Layers.Single(l => l.Name == "Layer1.1.Conv2"), net.Layer1[1].Conv2);
        Assert.Equal(new[] { 6, 4, 4 }, net.Layer2[0].Conv1.OutputShape);
        Assert.Equal(3, net.Layer2[0].Layers.Count);
        Assert.Equal(2, net.Layer1[0].Layers.Count);
    }

    [Fact]
    public void A_layer_the_arguments_leave_out_is_absent_and_says_why()
    {
        var net = new TinyResNet();
        var e = Assert.Throws<InvalidOperationException>(() => net.Layer1[0].Downsample_0);
        Assert.Contains("Layer1.0.Downsample_0 is not part of this TinyBasicBlock", e.Message);
        Assert.Contains("planes: 4, stride: 1, downsample: False", e.Message);
        Assert.DoesNotContain(net.ParameterTensors, p => p.Name.StartsWith("Layer1.0.Downsample_0", StringComparison.Ordinal));
    }

    [Fact]
    public void Parameter_names_follow_the_nesting_in_declaration_order()
    {
        var names = new TinyGoogLeNet().ParameterTensors.Select(p => p.Name).ToList();
        Assert.Equal("Inception3a.Branch1.Conv.weight", names[0]);
        Assert.Contains("Inception3b.Branch4_1.Conv.bias", names);
        Assert.Equal("Fc.bias", names[^1]);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void A_block_instance_belongs_to_one_network()
    {
        var block = new TinyBasicBlock(4);
        var layer = new TinyResNet().Conv1;
        block.Attach("A", [new("Conv1", layer)]);
        var e = Assert.Throws<InvalidOperationException>(() => block.Attach("B", [new("Conv1", layer)]));
        Assert.Contains("already part of a network at 'A'", e.Message);
        Assert.Throws<InvalidOperationException>(() => new TinyBasicBlock(4).Conv1);
    }
}
