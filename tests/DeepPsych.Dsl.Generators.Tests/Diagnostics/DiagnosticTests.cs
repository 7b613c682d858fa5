using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Tests.Diagnostics;

/// <summary>Exactly one test per diagnostic id: the id, where it points (the text the diagnostic's location starts
/// with) and the whole message.</summary>
public class DiagnosticTests
{
    private static void AssertSingle(string source, string id, string at, string message)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + source);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        string full = GeneratorHarness.Usings + source;
        int expected = full.IndexOf(at, StringComparison.Ordinal);
        Assert.True(expected >= 0, $"marker '{at}' not in source");
        Assert.Equal(expected, diagnostic.Location.SourceSpan.Start);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void DPD0001_network_not_partial() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public class Xor { }
        """, "DPD0001", "Xor",
        "Network 'Xor' must be declared partial so the generator can add its forward and backward passes; add the 'partial' modifier");

    [Fact]
    public void DPD0002_input_missing() => AssertSingle("""
        [Network]
        public partial class Xor
        {
            [Dense(1)] public partial Dense Out { get; }
        }
        """, "DPD0002", "Network]",
        "Network 'Xor': Input is missing; declare Input = new[] { channels, height, width } for images or new[] { features } for vectors, every size > 0");

    [Fact]
    public void DPD0003_kernel_does_not_fit() => AssertSingle("""
        [Network(Input = new[] { 1, 12, 12 })]
        public partial class Small
        {
            [Conv2D(6, Kernel = 5)]  public partial Conv2D C1 { get; }
            [MaxPool2D(2)]           public partial Pool S2 { get; }
            [Conv2D(16, Kernel = 5)] public partial Conv2D C3 { get; }
            [Dense(10)]              public partial Dense Out { get; }
        }
        """, "DPD0003", "Conv2D(16",
        "C3: kernel 5x5 (dilated extent 5x5) does not fit the 4x4 input (6x4x4 after S2, padding 0); reduce Kernel or Dilation, or add Padding");

    [Fact]
    public void DPD0004_output_size_not_positive() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial class Empty
        {
            [Dense(0)] public partial Dense Hidden { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0004", "Dense(0)",
        "Hidden: output size 0 units is not positive (input 4 network input); declare at least one output channel or unit");

    [Fact]
    public void DPD0005_stride_drops_input() => AssertSingle("""
        [Network(Input = new[] { 1, 28, 28 })]
        public partial class Strided
        {
            [Conv2D(4, Kernel = 3, Stride = 2)] public partial Conv2D C1 { get; }
            [Dense(10)]                         public partial Dense Out { get; }
        }
        """, "DPD0005", "Conv2D(4",
        "C1: stride 2 does not tile the padded 28x28 input (1x28x28 network input, padding 0) with kernel extent 3x3, so the output never sees the last 1 row and 1 column of it; adjust Padding, Kernel or Stride, or accept the loss explicitly");

    [Fact]
    public void DPD0006_invalid_stride() => AssertSingle("""
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class BadStride
        {
            [Conv2D(4, Kernel = 3, Stride = 0)] public partial Conv2D C1 { get; }
            [Dense(10)]                         public partial Dense Out { get; }
        }
        """, "DPD0006", "Conv2D(4",
        "C1: Stride = 0 is invalid (a stride must be at least 1); use Stride = 1 for no down-sampling");

    [Fact]
    public void DPD0007_channels_not_divisible_by_groups() => AssertSingle("""
        [Network(Input = new[] { 3, 8, 8 })]
        public partial class Grouped
        {
            [Conv2D(4, Kernel = 3, Groups = 2)] public partial Conv2D C1 { get; }
            [Dense(10)]                         public partial Dense Out { get; }
        }
        """, "DPD0007", "Conv2D(4",
        "C1: input channels 3 are not divisible by Groups = 2 (input 3x8x8 network input); choose Groups dividing both in (3) and out (4) channels");

    [Fact]
    public void DPD0008_step_on_trainable_path() => AssertSingle("""
        [Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
        public partial class Perceptron
        {
            [Dense(2, Activation = Act.Step)] public partial Dense Hidden { get; }
            [Dense(1)]                        public partial Dense Out { get; }
        }
        """, "DPD0008", "Dense(2",
        "Hidden: the Step activation's derivative is 0 almost everywhere, so no gradient flows back through it to the trainable layers Hidden and backpropagation cannot train them; use Sigmoid or ReLU to train, or keep Step for a fixed (untrained) perceptron");

    [Fact]
    public void DPD0009_vanishing_gradients() => AssertSingle("""
        [Network(Input = new[] { 8 }, Loss = Loss.MeanSquaredError)]
        public partial class Deep
        {
            [Dense(8, Activation = Act.Sigmoid)] public partial Dense H1 { get; }
            [Dense(8, Activation = Act.Sigmoid)] public partial Dense H2 { get; }
            [Dense(8, Activation = Act.Tanh)]    public partial Dense H3 { get; }
            [Dense(8, Activation = Act.Sigmoid)] public partial Dense H4 { get; }
            [Dense(1, Activation = Act.Sigmoid)] public partial Dense Out { get; }
        }
        """, "DPD0009", "Dense(1",
        "Out: 5 saturating activations in a row (sigmoid x4, tanh x1, from H1 to Out); sigmoid's derivative is at most 0.25 and tanh's at most 1 and both go to 0 where units saturate, so the gradient reaching H1 is scaled by at most 0.25^4 = 0.00391 and usually far less; use ReLU-family activations, fewer layers, or skip connections");

    [Fact]
    public void DPD0010_reserved_layer_name() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Clash
        {
            [Dense(2)] public partial Dense Parameters { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0010", "Parameters",
        "Layer 'Parameters' has the name of a member the generator emits on every network (Parameters); rename the property");

    [Fact]
    public void DPD0011_layer_without_attribute() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Forgot
        {
            public partial Dense Hidden { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0011", "Hidden",
        "Hidden: the property has the layer type Dense but no layer attribute, so the generator cannot tell which layer it is; add a layer attribute such as [Dense(10)] or remove the property");

    [Fact]
    public void DPD0012_type_mismatch() => AssertSingle("""
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class Mixed
        {
            [MaxPool2D(2)] public partial Dense S2 { get; }
            [Dense(2)]     public partial Dense Out { get; }
        }
        """, "DPD0012", "S2",
        "S2: a [MaxPool2D] layer must be declared as 'public partial Pool S2 { get; }', not as 'DeepPsych.Dsl.Dense'");

    [Fact]
    public void DPD0013_layer_property_not_partial() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Eager
        {
            [Dense(2)] public Dense Out { get; } = null!;
            [Dense(2)] public partial Dense Logits { get; }
        }
        """, "DPD0013", "Out",
        "Out: layer properties must be declared 'partial' with only a getter and no body (it is not partial); write 'public partial Dense Out { get; }'");

    /// <summary>Also the guard that no NaN or ∞ ever reaches a literal in the generated code.</summary>
    [Theory]
    [InlineData("""
        [Network(Input = new[] { 4 })]
        public partial class Dropper
        {
            [Dropout(1.5)] public partial Dropout D { get; }
            [Dense(2)]     public partial Dense Out { get; }
        }
        """, "Dropout(1.5)", "D: rate = 1.5 is out of range; dropout drops a fraction of units: use 0 <= rate < 1 (0.5 is the classic choice)")]
    [InlineData("""
        [Network(Input = new[] { 4 })]
        public partial class Nan
        {
            [Dense(3, Activation = Act.ReLU, LeakySlope = float.NaN)] public partial Dense Hidden { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "Dense(3", "Hidden: LeakySlope = NaN is out of range; it must be a finite number (LeakyReLU needs 0 <= LeakySlope < 1; other activations ignore it)")]
    [InlineData("""
        [Network(Input = new[] { 3, 8, 8 })]
        public partial class Head
        {
            [AdaptiveAvgPool2D(0, 6)] public partial Pool Pool { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "AdaptiveAvgPool2D(0, 6)", "Pool: OutHeight = 0 is out of range; the output height must be at least 1 (6 for AlexNet's head, 7 for VGG's)")]
    [InlineData("""
        [Network(Input = new[] { 3, 8, 8 })]
        public partial class Lrn
        {
            [LocalResponseNorm(K = 0f)] public partial LocalResponseNorm Norm { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "LocalResponseNorm(K = 0f)", "Norm: K = 0 is out of range; k must be positive and finite so that k + α/size·Σx² stays positive (PyTorch's default is 1, AlexNet's 2)")]
    [InlineData("""
        [Network(Input = new[] { 3, 8, 8 })]
        public partial class LrnNan
        {
            [LocalResponseNorm(Alpha = float.NaN)] public partial LocalResponseNorm Norm { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "LocalResponseNorm(Alpha", "Norm: Alpha = NaN is out of range; α must be finite (PyTorch's default is 1e-4)")]
    public void DPD0014_option_out_of_range(string source, string at, string message) => AssertSingle(source, "DPD0014", at, message);

    [Fact]
    public void DPD0015_rank_mismatch() => AssertSingle("""
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class Backwards
        {
            [Dense(16)]             public partial Dense F1 { get; }
            [Conv2D(4, Kernel = 3)] public partial Conv2D C2 { get; }
            [Dense(2)]              public partial Dense Out { get; }
        }
        """, "DPD0015", "Conv2D(4",
        "C2: Conv2D needs a channels x height x width input but gets the vector 16 (after F1); place it before any Dense or Flatten layer, or declare the network Input as new[] { channels, height, width }");

    [Fact]
    public void DPD0016_loss_does_not_fit_output() => AssertSingle("""
        [Network(Input = new[] { 2 }, Loss = Loss.SoftmaxCrossEntropy)]
        public partial class OneClass
        {
            [Dense(1)] public partial Dense Out { get; }
        }
        """, "DPD0016", "Dense(1)",
        "Network 'OneClass': SoftmaxCrossEntropy needs a vector of at least 2 class scores, but the output is 1 (after Out); use at least 2 classes, or Loss = Loss.MeanSquaredError for one output");

    [Fact]
    public void DPD0017_no_layers() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Hollow { }
        """, "DPD0017", "Network(",
        "Network 'Hollow' declares no layers; add attributed partial properties such as [Dense(10)] public partial Dense Output { get; }");

    [Fact]
    public void DPD0030_network_not_a_class() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial record Net
        {
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0030", "Net\n",
        "Network 'Net' is declared as a record; the generator supports [Network] on classes only: declare it 'partial class Net'");

    [Fact]
    public void DPD0031_unsupported_network_declaration() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial class Mlp(int seed)
        {
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0031", "(int seed)",
        "Network 'Mlp' has a primary constructor (int seed); remove the parameter list; the generator declares the parameterless constructor, and a constructor of your own can chain to it with ': this()'");

    [Fact]
    public void DPD0032_layer_outside_network() => AssertSingle("""
        public partial class C
        {
            [Activation(Act.Softplus)] public partial Activation A { get; }
        }
        """, "DPD0032", "Activation(Act",
        "A: the layer attribute [Activation] is on a property of class 'C', which has no [Network] attribute, so no code is generated for it; add [Network(Input = new[] { ... })] to 'C' (a partial class) or remove the attribute");

    [Fact]
    public void DPD0020_residual_add_of_different_shapes() => AssertSingle("""
        [Network(Input = new[] { 2, 4, 4 })]
        public partial class Res
        {
            [Conv2D(3, Kernel = 1)] public partial Conv2D Wide { get; }
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x) => Out.Forward(Wide.Forward(x) + x);
        }
        """, "DPD0020", "Wide.Forward(x) + x",
        "Add1: '+' adds 3x4x4 (after Wide) and 2x4x4 (network input), but a residual sum needs the same shape on both sides; project one side to the other's shape (e.g. a 1x1 Conv2D with the right channels and stride) before adding");

    [Fact]
    public void DPD0021_concat_of_different_heights() => AssertSingle("""
        [Network(Input = new[] { 2, 4, 4 })]
        public partial class Cat
        {
            [Conv2D(3, Kernel = 1)] public partial Conv2D Wide { get; }
            [MaxPool2D(2)] public partial Pool Down { get; }
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x) => Out.Forward(Functional.Concat(Wide.Forward(x), Down.Forward(x)));
        }
        """, "DPD0021", "Functional.Concat(",
        "Concat1: Concat joins channels, so every value needs the same height and width, but 3x4x4 (after Wide) and 2x2x2 (after Down) differ; pad or pool the branches to the same height x width");

    [Fact]
    public void DPD0022_layer_never_used_in_forward() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Spare
        {
            [Dense(4)] public partial Dense Extra { get; }
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x) => Out.Forward(x);
        }
        """, "DPD0022", "Dense(4)",
        "Layer 'Extra' is declared but Forward never calls Extra.Forward(...), so it would have parameters that nothing trains; use it in Forward or remove the property");

    [Fact]
    public void DPD0023_layer_used_twice() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Twice
        {
            [Dense(2)] public partial Dense Hidden { get; }
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x)
            {
                var a = Hidden.Forward(x);
                return Out.Forward(Hidden.Forward(a));
            }
        }
        """, "DPD0023", "Hidden.Forward(a)",
        "Layer 'Hidden' is called twice in Forward; a layer's weights belong to its property, so sharing them between two places is not supported; declare a second layer property for the second call");

    [Fact]
    public void DPD0024_unsupported_expression_in_forward() => AssertSingle("""
        [Network(Input = new[] { 2 })]
        public partial class Scaled
        {
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x) => Out.Forward(Scale(x));
            private static Tensor Scale(Tensor t) => t;
        }
        """, "DPD0024", "Scale(x)",
        "Forward: 'Scale(x)' is not supported (it is not a layer call (Layer.Forward(x)) or one of Concat, Flatten, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus); write Forward with layer calls (Conv1.Forward(x)), '+', Concat(...), Flatten(...), activation functions (ReLU(...)), locals (var a = ...;) and one return");

    [Fact]
    public void DPD0040_name_collides_with_a_generated_member() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial class Mlp
        {
            [Dense(2)] public partial Dense Out { get; }
            private int _threads;
        }
        """, "DPD0040", "_threads;",
        "Network 'Mlp': the name '_threads' is both your field and, in the generated code, a private member every network has; rename your field");

    [Fact]
    public void DPD0041_enum_value_is_not_a_member() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial class Mlp
        {
            [Dense(2, Activation = (Act)42)] public partial Dense Out { get; }
        }
        """, "DPD0041", "(Act)42",
        "Out: Activation = (Act)42 is not a member of Act; use one of Act.None, Act.Step, Act.Sigmoid, Act.Tanh, Act.ReLU, Act.LeakyReLU, Act.Softplus");

    [Fact]
    public void DPD0042_size_past_int_max_value() => AssertSingle("""
        [Network(Input = new[] { 4 })]
        public partial class Wide
        {
            [Dense(int.MaxValue)] public partial Dense Out { get; }
        }
        """, "DPD0042", "Dense(int.MaxValue)",
        "Out: the parameter tensor Out.weight [2147483647, 4] is 8,589,934,588 floats, past int.MaxValue (2,147,483,647): shapes, offsets and span lengths are ints; use fewer units or channels, or a smaller input to this layer (pool or stride before it)");

    [Fact]
    public void DPD0060_symmetric_and_per_side_padding_together() => AssertSingle("""
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class Padded
        {
            [Conv2D(4, Kernel = 3, Padding = 1, PadBottom = 2)] public partial Conv2D C1 { get; }
            [Dense(2)]                                          public partial Dense Out { get; }
        }
        """, "DPD0060", "Conv2D(4",
        "C1: declares Padding and per-side padding (PadTop/PadLeft/PadBottom/PadRight, here 0,0,2,0 as top,left,bottom,right); declare one of them: the symmetric option, or the four sides");

    [Fact]
    public void DPD0061_pyramid_level_larger_than_the_input() => AssertSingle("""
        [Network(Input = new[] { 1, 12, 12 })]
        public partial class Spp
        {
            [MaxPool2D(4)]                                   public partial Pool Down { get; }
            [SpatialPyramidPool(Levels = new[] { 4, 2, 1 })] public partial Pool Pyramid { get; }
            [Dense(2)]                                       public partial Dense Out { get; }
        }
        """, "DPD0061", "SpatialPyramidPool(Levels",
        "Pyramid: pyramid level 4 needs at least 4x4 input cells but gets 3x3 (1x3x3 after Down); the largest level that fits is 3; use levels of at most 3, or pool less before this layer");

    [Fact]
    public void DPD0062_softmax_in_front_of_the_softmax_cross_entropy_loss() => AssertSingle("""
        [Network(Input = new[] { 4 }, Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Twice
        {
            [Dense(3)] public partial Dense Scores { get; }
            [Softmax]  public partial Activation Probabilities { get; }
        }
        """, "DPD0062", "Softmax]",
        "Probabilities: [Softmax] outputs probabilities, but network 'Twice' trains with Loss.SoftmaxCrossEntropy, which applies its own softmax, so softmax would be applied twice; declare [LogSoftmax] instead (PyTorch's log_softmax + nll_loss: the same loss, and Forward returns log-probabilities), or remove [Softmax] and apply SoftmaxOp.Forward to the outputs, or train with Loss.MeanSquaredError");

    [Fact]
    public void DPD0063_class_weights_that_do_not_fit_the_output() => AssertSingle("""
        [Network(Input = new[] { 4 }, ClassWeights = new[] { 1f, 2f })]
        public partial class Weighted
        {
            [Dense(3)] public partial Dense Scores { get; }
        }
        """, "DPD0063", "Network(Input",
        "Network 'Weighted': ClassWeights has 2 weights but the output has 3 classes; give exactly 3 weights, one per class in label order");

    [Fact]
    public void DPD0050_block_property_without_new() => AssertSingle("""
        [Block]
        public partial class Unit(int width)
        {
            [Dense(Bind = "Units = width")] public partial Dense D { get; }
            public Tensor Forward(Tensor x) => D.Forward(x);
        }

        [Network(Input = new[] { 2 })]
        public partial class Net
        {
            public Unit U { get; } = Make();
            [Dense(2)] public partial Dense Out { get; }
            public Tensor Forward(Tensor x) => Out.Forward(U.Forward(x));
            private static Unit Make() => new(3);
        }
        """, "DPD0050", "U { get; } = Make()",
        "Block property 'U' (Unit): its initializer must be new(...) with constant arguments, so that the generator can size its layers");

    [Fact]
    public void DPD0051_bind_names_an_unknown_parameter() => AssertSingle("""
        [Block]
        public partial class Unit(int width)
        {
            [Dense(Bind = "Units = widht * 2")] public partial Dense D { get; }
            public Tensor Forward(Tensor x) => D.Forward(x);
        }

        [Network(Input = new[] { 2 })]
        public partial class Net
        {
            public Unit U { get; } = new(3);
            public Tensor Forward(Tensor x) => U.Forward(x);
        }
        """, "DPD0051", "Dense(Bind",
        "Unit.D: Bind = \"Units = widht * 2\" cannot be evaluated: 'Units = widht * 2': 'widht' is not a parameter of the block (it has width); write Bind = \"Option = expression, ...\" with the attribute's option names and the block's constructor parameters");

    [Fact]
    public void Bind_on_a_network_layer_is_DPD0051_not_ignored()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [Network(Input = new[] { 2 })]
            public partial class Net { [Dense(2, Bind = "Units = 3")] public partial Dense Out { get; } }
            """);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("DPD0051", diagnostic.Id);
        Assert.Contains("this layer is a network's", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void DPD0052_block_without_forward() => AssertSingle("""
        [Block]
        public partial class Unit
        {
            [Dense(2)] public partial Dense D { get; }
        }
        """, "DPD0052", "Unit",
        "Block 'Unit' declares no Forward; declare 'public Tensor Forward(Tensor x)' saying how its layers connect (docs/graphs.md)");

    [Fact]
    public void DPD0099_generator_failure_becomes_a_diagnostic()
    {
        FaultInjection.FailOnClass = "Doomed";
        try
        {
            var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
                [Network(Input = new[] { 2 })]
                public partial class Doomed { [Dense(2)] public partial Dense Out { get; } }
                """);
            var diagnostic = Assert.Single(result.GeneratorDiagnostics);
            Assert.Equal("DPD0099", diagnostic.Id);
            Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
            Assert.StartsWith("The generator failed on 'Doomed': InvalidOperationException: fault injected by a test. This is a bug in DeepPsych.Dsl",
                diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Empty(result.Sources);
        }
        finally { FaultInjection.FailOnClass = null; }
    }

    [Fact]
    public void Every_descriptor_has_exactly_one_test()
    {
        var ids = typeof(NetworkGenerator).Assembly.GetType("DeepPsych.Dsl.Generators.Diagnostics.DiagnosticDescriptors")!
            .GetFields().Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).OrderBy(x => x).ToList();
        var tests = typeof(DiagnosticTests).GetMethods().Select(m => m.Name).Where(n => n.StartsWith("DPD")).Select(n => n[..7]).OrderBy(x => x).ToList();
        Assert.Equal(ids, tests);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }
}
