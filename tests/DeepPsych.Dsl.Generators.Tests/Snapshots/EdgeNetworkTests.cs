namespace DeepPsych.Dsl.Generators.Tests.Snapshots;

/// <summary>Unusual but valid layer orders: each generates code that compiles (CPU and device paths) with no diagnostic.</summary>
public class EdgeNetworkTests
{
    [Theory]
    [InlineData("dropout first", "[Network(Input = new[] { 4 })] public partial class N { [Dropout(0.2)] public partial Dropout D { get; } [Dense(3)] public partial Dense Out { get; } }")]
    [InlineData("activation last, MSE", "[Network(Input = new[] { 4 }, Loss = Loss.MeanSquaredError)] public partial class N { [Dense(2)] public partial Dense H { get; } [Activation(Act.Sigmoid)] public partial Activation Out { get; } }")]
    [InlineData("no parameters at all", "[Network(Input = new[] { 5 })] public partial class N { [Activation(Act.Tanh)] public partial Activation A { get; } }")]
    [InlineData("flatten last", "[Network(Input = new[] { 2, 3, 3 })] public partial class N { [Conv2D(4, Kernel = 3)] public partial Conv2D C { get; } [Flatten] public partial Flatten F { get; } }")]
    [InlineData("pooling first", "[Network(Input = new[] { 1, 4, 4 }, Loss = Loss.MeanSquaredError)] public partial class N { [MaxPool2D(2)] public partial Pool P { get; } [Conv2D(1, Kernel = 1)] public partial Conv2D C { get; } }")]
    [InlineData("dropout last", "[Network(Input = new[] { 4 })] public partial class N { [Dense(3)] public partial Dense H { get; } [Dropout(0.5)] public partial Dropout D { get; } }")]
    public void Generates_compiling_code(string name, string network)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + "namespace Edge;\n" + network);
        Assert.True(result.GeneratorDiagnostics.IsEmpty, $"{name}: {string.Join("; ", result.GeneratorDiagnostics)}");
        Assert.True(!result.Errors.Any(), $"{name}: {string.Join("; ", result.Errors)}");
        Assert.Single(result.Sources);
    }
}
