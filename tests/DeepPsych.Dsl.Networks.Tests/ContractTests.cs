using Examples.FashionMnist;
using DeepPsych.Dsl.Checkpoints;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>What a user sees of a generated network: named views, the summary, and the errors for bad calls.</summary>
public class ContractTests
{
    [Fact]
    public void Parameters_are_one_block_with_named_pytorch_views()
    {
        var net = new LeNet5();
        Assert.Equal(61_706, LeNet5.ParameterCount);
        Assert.Equal(["C1.weight", "C1.bias", "C3.weight", "C3.bias", "F5.weight", "F5.bias", "F6.weight", "F6.bias", "Output.weight", "Output.bias"],
            net.ParameterTensors.Select(p => p.Name));
        Assert.Equal([6, 1, 5, 5], net.C1.Weights.Shape);
        Assert.Equal([120, 400], net.F5.Weights.Shape);
        Assert.Equal(LeNet5.ParameterCount, net.ParameterTensors.Sum(p => p.Length));
        net.C3.Weights.Values[0] = 42f;
        Assert.Equal(42f, net.Parameters[net.C3.Weights.Offset]);
        Assert.All(net.ParameterTensors.Where(p => p.IsBias), p => Assert.All(p.Values.ToArray(), v => Assert.Equal(0f, v)));
    }

    [Fact]
    public void Summary_lists_layers_shapes_parameters_and_flops()
    {
        string summary = new LeNet5().Summary();
        Assert.Contains("C1      Conv2D 6@5x5 p2 +ReLU  6x28x28          156       244,608", summary);
        Assert.Contains("total                                        61,706       852,370", summary);
        Assert.Equal(852_370, LeNet5.FlopsPerSample);
    }

    [Fact]
    public void Wrong_sizes_are_refused_with_the_sizes_in_the_message()
    {
        var net = new LeNet5();
        var e = Assert.Throws<ArgumentException>(() => net.Forward(new float[700], new float[10], 1));
        Assert.Equal("LeNet5.Forward: input holds 700 floats but batch 1 needs 1 x 784 = 784. (Parameter 'input')", e.Message);
        var t = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[784 * 2], new int[3], 2));
        Assert.Equal("LeNet5.ComputeGradients: labels holds 3 values but batch 2 needs 2 x 1 = 2. (Parameter 'labels')", t.Message);
        var l = Assert.Throws<InvalidOperationException>(() => net.ComputeGradients(new float[784], new float[10], 1));
        Assert.Equal("LeNet5 was declared with Loss = SoftmaxCrossEntropy: call ComputeGradients with int class labels (1 per sample).", l.Message);
    }

    [Fact]
    public void The_first_layer_that_produced_NaN_is_named()
    {
        var net = new LeNet5 { Threads = 1 };
        var (x, y) = TrainingTests.Data(2, seed: 1);
        net.ComputeGradients(x, y, 2);
        Assert.Null(net.FirstNonFiniteLayer());
        net.F5.Weights.Values[3] = float.NaN;
        net.ComputeGradients(x, y, 2);
        Assert.Equal("F5", net.FirstNonFiniteLayer());
    }

    [Fact]
    public void Backward_source_is_the_chain_rule_in_reverse()
    {
        string source = new LeNet5().BackwardSource;
        int output = source.IndexOf("// Output backward", StringComparison.Ordinal);
        int c1 = source.IndexOf("// C1 backward", StringComparison.Ordinal);
        Assert.True(output > 0 && c1 > output, "layers appear in reverse order");
        Assert.Contains("dL/dz  = dL/dy ⊙ f'(z),   relu'(z) = [y > 0]", source);
    }
}
