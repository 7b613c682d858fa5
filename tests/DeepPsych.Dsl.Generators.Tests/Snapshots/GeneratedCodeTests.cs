using ApprovalTests;
using ApprovalTests.Reporters;
using ApprovalTests.Reporters.TestFrameworks;

namespace DeepPsych.Dsl.Generators.Tests.Snapshots;

/// <summary>Snapshots of the emitted code for the example networks and for every layer kind. A change to the emitter
/// shows as a diff of the .approved.txt files in review. To approve a change, copy the .received.txt over the
/// .approved.txt (see docs/testing.md).</summary>
[UseReporter(typeof(XUnit2Reporter))]
public class GeneratedCodeTests
{
    /// <summary>Every generated file, in hint-name order, each headed by its name.</summary>
    private static string Generate(string source)
    {
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Sources);
        return string.Join("\n", result.Sources.OrderBy(s => s.HintName, StringComparer.Ordinal).Select(s => $"// ===== {s.HintName}\n{s.Source}"));
    }

    [Fact]
    public void XorMlp() => Approvals.Verify(Generate(Networks.XorMlp));

    [Fact]
    public void LeNet5() => Approvals.Verify(Generate(Networks.LeNet5));

    [Fact]
    public void ConvNetJsDemo() => Approvals.Verify(Generate(Networks.ConvNetJsDemo));

    [Fact]
    public void Overfitting() => Approvals.Verify(Generate(Networks.Overfitting));

    /// <summary>Forward(Tensor) graphs: a residual block (a value with two consumers) and a 4-branch inception module.</summary>
    [Fact]
    public void GraphNetworks() => Approvals.Verify(Generate(Networks.GraphNetworks()));

    /// <summary>[Block] classes inlined at each use: a ResNet with a per-use downsample path, an inception module of nested blocks.</summary>
    [Fact]
    public void BlockNetworks() => Approvals.Verify(Generate(Networks.BlockNetworks()));

    /// <summary>Every layer kind and option the emitter knows, in one network, so each has a snapshot.</summary>
    [Fact]
    public void AllLayerKinds() => Approvals.Verify(Generate(GeneratorHarness.Usings + """
        namespace Examples;

        [Network(Input = new[] { 3, 17, 17 }, ClassWeights = new[] { 1f, 2.5f, 0.5f }, IgnoreIndex = -1)]
        public partial class Zoo
        {
            [Identity] public partial Identity Stem { get; }
            [Conv2D(8, KernelH = 3, KernelW = 5, Stride = 2, PaddingH = 1, PaddingW = 2, Activation = Act.LeakyReLU, LeakySlope = 0.1f)] public partial Conv2D Wide { get; }
            [Conv2D(8, Kernel = 3, Padding = 2, Dilation = 2, Groups = 8, Bias = false, Activation = Act.Tanh)] public partial Conv2D Depthwise { get; }
            [Activation(Act.Softplus)] public partial Activation Soft { get; }
            [AvgPool2D(3, Stride = 1, Padding = 1, CountIncludePad = false)] public partial Pool Smooth { get; }
            [LocalResponseNorm(Size = 5, Alpha = 1e-4f, Beta = 0.75f, K = 2f)] public partial LocalResponseNorm Lrn { get; }
            [Conv2D(8, Kernel = 3, PadTop = 0, PadLeft = 2, PadBottom = 2, PadRight = 0, Groups = 8)] public partial Conv2D Shifted { get; }
            [MaxPool2D(3, Stride = 2, Padding = 1, CeilMode = true)] public partial Pool Down { get; }
            [AdaptiveAvgPool2D(3, 4)] public partial Pool Adaptive { get; }
            [Conv2D(6, Kernel = 1, Activation = Act.Sigmoid)] public partial Conv2D Squeeze { get; }
            [GlobalAvgPool] public partial Pool Global { get; }
            [Flatten] public partial Flatten Flat { get; }
            [Dropout(0.25)] public partial Dropout Drop { get; }
            [Dense(5, Bias = false, Activation = Act.ReLU)] public partial Dense Hidden { get; }
            [Dense(3)] public partial Dense Logits { get; }
            [LogSoftmax] public partial Activation LogProbabilities { get; }
        }
        """));

    /// <summary>A spatial pyramid (He et al. 2014) between a convolution and the classifier: C×H×W → C·Σn²; a [Softmax]
    /// probability output trained with mean squared error.</summary>
    [Fact]
    public void SpatialPyramidPool() => Approvals.Verify(Generate(GeneratorHarness.Usings + """
        namespace Examples;

        [Network(Input = new[] { 1, 13, 11 }, Loss = Loss.MeanSquaredError)]
        public partial class SppNet
        {
            [Conv2D(4, Kernel = 3, Activation = Act.ReLU)] public partial Conv2D Features { get; }
            [SpatialPyramidPool(Levels = new[] { 4, 2, 1 })] public partial Pool Pyramid { get; }
            [Dense(3)] public partial Dense Logits { get; }
            [Softmax] public partial Activation Probabilities { get; }
        }
        """));

    /// <summary>BatchNorm2D and BatchNorm1D, with and without γ, β, one on the network input: the buffer block, the CPU
    /// pass in stages with the calling thread's combining steps between them, and the device path's whole-batch calls.</summary>
    [Fact]
    public void NormalizedNetworks() => Approvals.Verify(Generate(Networks.NormalizedNetworks()));

    /// <summary>User types named like the runtime's (Span, Conv2DOp, Shards, Act, …) beside the network do not capture
    /// the generated code's names: everything it names from outside the class is global::-qualified.</summary>
    [Fact]
    public void User_types_named_like_runtime_types_do_not_capture_generated_names()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace Clash;
            class Span<T> { } class ReadOnlySpan<T> { } class Action<T> { } class Math { } class Array { } class Environment { }
            class IDisposable { } class Act { } class Conv2DOp { } class Conv2DGeometry { } class Pool2DGeometry { } class MaxPool2DOp { }
            class DenseOp { } class ActivationOp { } class DropoutOp { } class SoftmaxCrossEntropyOp { } class WorkerPool { } class Shards { }
            class NetworkChecks { } class ParameterInitializer { } class IDeviceBackend { } class DeviceView<T> { } class DeviceBuffer<T> { }

            [Network(Input = new[] { 1, 8, 8 })]
            public partial class Net
            {
                [Conv2D(4, Kernel = 3, Padding = 1, Activation = DeepPsych.Dsl.Act.ReLU)] public partial Conv2D C1 { get; }
                [MaxPool2D(2)] public partial Pool S2 { get; }
                [Activation(DeepPsych.Dsl.Act.Tanh)] public partial Activation A3 { get; }
                [Dropout(0.5)] public partial Dropout D4 { get; }
                [Dense(3)] public partial Dense Out { get; }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Errors);
    }

    /// <summary>A network nested in other types (a generic record struct, a class) reopens each of them correctly.</summary>
    [Fact]
    public void A_nested_network_compiles()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            namespace Deep.Inside;
            public partial record struct Outer<TKey, TValue>
            {
                public partial class Middle
                {
                    [Network(Input = new[] { 3 })]
                    public partial class Tiny { [Dense(2)] public partial Dense Out { get; } }
                }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Errors);
        Assert.Equal("Deep.Inside.Outer.Middle.Tiny.g.cs", result.Sources.Single().HintName);
    }
}
