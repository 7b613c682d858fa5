using DeepPsych.Dsl.Generators.Tests.Snapshots;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepPsych.Dsl.Generators.Tests.Fuzz;

/// <summary>Reproducers the property test found (and issue #9 listed), fixed in NetworkGenerator and
/// Parsing/DeclarationChecks, kept as regular tests: each must hold the property, and most assert the exact outcome.</summary>
public sealed class FuzzRegressionTests
{
    private static GeneratorHarness.Result Holds(string source)
    {
        Assert.Null(GeneratorProperty.Check(source));
        return GeneratorHarness.Run(source);
    }

    /// <summary>The input holds the property and gets exactly one error, DPD error <paramref name="id"/>, and no code;
    /// returns the error's message.</summary>
    internal static string SingleError(string source, string id)
    {
        var result = Holds(source);
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(id, d.Id);
        Assert.Empty(result.Sources);
        return d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Clean(GeneratorHarness.Result result, int sources)
    {
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompilationDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.Equal(sources, result.Sources.Count);
    }

    [Fact]
    public void Same_readable_name_under_a_generic_and_a_plain_outer_class_gets_two_hint_names()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            namespace N;
            public partial class Outer { [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } } }
            public partial class Outer<T> { [Network(Input = new[] { 3 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } } }
            """);
        Clean(result, 2);
        Assert.Equal(2, result.Sources.Select(s => s.HintName.ToLowerInvariant()).Distinct().Count());
        Assert.All(result.Sources, s => Assert.Matches(@"^N\.Outer\.Net\.[0-9a-f]{8}\.g\.cs$", s.HintName));
    }

    [Fact]
    public void Names_that_differ_only_in_case_get_distinct_hint_names()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            namespace N;
            [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } }
            [Network(Input = new[] { 2 })] public partial class NET { [Dense(2)] public partial Dense Out { get; } }
            """);
        Clean(result, 2);
    }

    [Fact]
    public void An_escaped_keyword_namespace_gives_a_valid_hint_name()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            namespace @class.@event;
            [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } }
            """);
        Clean(result, 1);
        Assert.Equal("class.event.Net.g.cs", result.Sources.Single().HintName);
    }

    [Fact]
    public void Same_named_networks_in_different_namespaces_keep_their_readable_hint_names()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            namespace A { [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } } }
            namespace B { [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense Out { get; } } }
            """);
        Clean(result, 2);
        Assert.Equal(["A.Net.g.cs", "B.Net.g.cs"], result.Sources.Select(s => s.HintName).Order());
    }

    [Fact]
    public void A_named_argument_given_twice_leaves_the_users_own_error_CS0643_as_the_only_one()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class Net { [Dense(64, LeakySlope = 0.2f, LeakySlope = 0.2f)] public partial Dense Out { get; } }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains(result.Errors, d => d.Id == "CS0643");
    }

    [Fact]
    public void Network_on_two_partial_declarations_of_one_type_leaves_the_users_CS0579_as_the_only_error()
    {
        // Found by the soak (seed 105826): 'Net' and '@Net' are one type; two identical hint names crashed the generator.
        var result = Holds("""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            internal partial class Net { }
            [Network(Input = new[] { 4 })]
            partial class @Net
            {
                [Dense(2)] public partial Dense L0 { get; }
            }
            """);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Sources);
        Assert.Contains(result.Errors, d => d.Id == "CS0579");
    }

    [Theory]
    [InlineData("public partial record Net { [Dense(120)] public partial Dense D { get; } }", "DPD0030")]
    [InlineData("public partial record struct Net { [Dense(120)] public partial Dense D { get; } }", "DPD0030")]
    [InlineData("public partial record Net(int Seed) { [Dense(120)] public partial Dense D { get; } }", "DPD0030")]
    [InlineData("public partial class Mlp(int seed) { [Dense(2)] public partial Dense D { get; } }", "DPD0031")]
    [InlineData("public static partial class Net { [Dense(2)] public static partial Dense D { get; } }", "DPD0031")]
    [InlineData("public partial class Net<T> { [Dense(2)] public partial Dense D { get; } }", "DPD0031")]
    [InlineData("file partial class Net { [Dense(2)] public partial Dense D { get; } }", "DPD0031")]
    [InlineData("public partial class Host { } file partial class F { [Network(Input = new[] { 2 })] public partial class Net { [Dense(2)] public partial Dense D { get; } } }", "DPD0031")]
    [InlineData("public partial class Forward { [Dense(2)] public partial Dense D { get; } }", "DPD0031")]
    [InlineData("public partial class Net { [Dense(2)] public partial Dense D { get; } public int Parameters => 1; }", "DPD0031")]
    [InlineData("public partial class Net { [Dense(2)] public partial Dense D { get; } public Net() { } }", "DPD0031")]
    [InlineData("public partial class Net { [Dense(2)] public partial Dense D { get; } public Net(int seed) { } }", "DPD0031")]
    public void Unsupported_network_declarations_get_a_diagnostic_instead_of_code_that_does_not_compile(string declaration, string id)
    {
        var result = Holds("using DeepPsych.Dsl;\n[Network(Input = new[] { 4 })]\n" + declaration);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Id == id);
        // No network code; a plain partial class gets the throwing stubs (NetworkEmitter.Stub.cs), and then the DPD
        // error is the only error (no CS9248 for its layer property).
        Assert.All(result.Sources, s => Assert.EndsWith(".stub.g.cs", s.HintName, StringComparison.Ordinal));
        if (result.Sources.Count > 0)
            Assert.Equal([id], result.GeneratorDiagnostics.Concat(result.Errors).Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id));
    }

    [Fact]
    public void A_network_derived_from_a_network_is_DPD0031_and_the_base_still_gets_its_code()
    {
        // Was 29 CS0108 warnings: every generated member of the derived network hid the base network's.
        var result = Holds("""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 2 })] public partial class N1 { [Dense(2)] public partial Dense D { get; } }
            [Network(Input = new[] { 2 })] public partial class N2 : N1 { [Dense(2)] public partial Dense E { get; } }
            """);
        Assert.StartsWith("Network 'N2' derives from the network 'N1'", Assert.Single(result.GeneratorDiagnostics, d => d.Id == "DPD0031").GetMessage());
        Assert.Equal("N1.g.cs", Assert.Single(result.Sources).HintName);
    }

    [Theory]
    [InlineData("public partial class C { [Activation(Act.Softplus)] public partial Activation A { get; } }")]
    [InlineData("public partial record R { [Dense(120)] public partial Dense D { get; } }")]
    [InlineData("public partial struct S { [Flatten] public partial Flatten F { get; } }")]
    public void Layer_attributes_outside_a_network_are_reported(string declaration)
    {
        var result = Holds("using DeepPsych.Dsl;\n" + declaration);
        Assert.Equal("DPD0032", Assert.Single(result.GeneratorDiagnostics).Id);
    }

    [Theory]
    [InlineData("[MaxPool2D(2, Padding = -1)] public partial Pool P { get; }")]
    [InlineData("[Conv2D(2, Kernel = 3, Padding = -1)] public partial Conv2D C { get; }")]
    public void Negative_padding_is_a_DPD_error(string layer)
    {
        var result = Holds($$"""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 1, 8, 8 })]
            public partial class Net
            {
                {{layer}}
                [Flatten] public partial Flatten F { get; }
                [Dense(2)] public partial Dense Out { get; }
            }
            """);
        Assert.Contains(result.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("DPD", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dropout_rate_that_rounds_to_1f_is_DPD0014()
    {
        var result = Holds("""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class Net
            {
                [Dropout(0.99999999999)] public partial Dropout D { get; }
                [Dense(2)] public partial Dense Out { get; }
            }
            """);
        var d = Assert.Single(result.GeneratorDiagnostics, d => d.Id == "DPD0014");
        Assert.Contains("rate", d.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_user_type_named_System_is_the_users_own_error()
    {
        // Found by the soak (seed 106005): the input's own errors in the implicit usings' tree count as its own.
        Holds("""
            using DeepPsych.Dsl;
            public class System { }
            [Network(Input = new[] { 4 })]
            public partial class Net { [Dense(2)] public partial Dense Out { get; } }
            """);
    }

    [Fact]
    public void A_user_constructor_that_chains_to_the_generated_one_compiles_cleanly()
    {
        var result = Holds("""
            #nullable enable
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class Net
            {
                [Dense(2)] public partial Dense Out { get; }
                public Net(int seed) : this() => InitializeParameters(seed);
            }
            """);
        Clean(result, 1);
    }

    [Theory]
    [InlineData("public new partial Dense Out { get; }")]
    [InlineData("public virtual partial Dense Out { get; }")]
    [InlineData("partial Dense Out { get; }")]
    [InlineData("new internal partial Dense Out { get; }")]
    public void Layer_property_modifiers_are_mirrored_on_the_generated_part(string property)
    {
        // Were CS8800 ('new', 'virtual' not repeated) and CS8799 (no accessibility written, 'private' generated).
        var result = Holds($$"""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class Net
            {
                [Dense(2)] {{property}}
            }
            """);
        Assert.Empty(result.Errors);
        string modifiers = property.Substring(0, property.IndexOf("partial", StringComparison.Ordinal));
        Assert.Contains($"    {modifiers}partial global::DeepPsych.Dsl.Dense Out => _Out;", result.Single);
    }

    [Fact]
    public void Escaped_keywords_stay_escaped_as_class_enclosing_type_and_layer_names()
    {
        // Was CS1001: 'partial class class'.
        var result = Holds("""
            using DeepPsych.Dsl;
            public partial class @struct
            {
                [Network(Input = new[] { 4 })]
                public partial class @class
                {
                    [Dense(3)] public partial Dense @event { get; }
                    [Dense(2)] public partial Dense Out { get; }
                }
            }
            """);
        Clean(result, 1);
        Assert.Contains("partial class @class :", result.Single);
        Assert.Contains("public @class()", result.Single);
        Assert.Contains("public partial global::DeepPsych.Dsl.Dense @event => _event;", result.Single);
        Assert.Contains("\"event.weight\"", result.Single);   // names in strings (checkpoints) are unescaped
    }

    /// <summary>Values the generated code could not hold: cast enum values that name no member (were emitted as 'Loss.7',
    /// CS1002) and sizes past int.MaxValue (wrapped in int arithmetic: CS0248 on a negative array size, or accepted and
    /// failing at run time). Each is one DPD error.</summary>
    [Fact]
    public void A_block_property_named_with_an_escaped_keyword_stays_escaped()
    {
        // Was CS1513 and 280 more: the generated constructor attached the block as 'class.Attach(...)'.
        var result = Holds("""
            using DeepPsych.Dsl;
            [Block]
            public partial class Unit(int width)
            {
                [Dense(Bind = "Units = width")] public partial Dense @event { get; }
                public Tensor Forward(Tensor x) => @event.Forward(x);
            }
            [Network(Input = new[] { 2 })]
            public partial class Net
            {
                public Unit @class { get; } = new(3);
                [Dense(2)] public partial Dense Out { get; }
                public Tensor Forward(Tensor x) => Out.Forward(@class.Forward(x));
            }
            """);
        Clean(result, 2);
        Assert.Contains("@class.Attach(\"class\"", result.Sources.Single(s => s.HintName == "Net.g.cs").Source);
    }

    [Theory]
    [InlineData("Input = new[] { 4 }, Loss = (Loss)7", "[Dense(2)] public partial Dense Out { get; }", "DPD0041", "Network 'Net': Loss = (Loss)7 is not a member of Loss")]
    [InlineData("Input = new[] { 4 }", "[Dense(2, Activation = (Act)42)] public partial Dense Out { get; }", "DPD0041", "Out: Activation = (Act)42 is not a member of Act")]
    [InlineData("Input = new[] { 4 }", "[Dense(2, Init = (Init)9)] public partial Dense Out { get; }", "DPD0041", "Out: Init = (Init)9 is not a member of Init")]
    [InlineData("Input = new[] { 4 }", "[Activation((Act)42)] public partial Activation A { get; } [Dense(2)] public partial Dense Out { get; }", "DPD0041", "A: function = (Act)42 is not a member of Act")]
    [InlineData("Input = new[] { 4 }", "[Dense(int.MaxValue)] public partial Dense Out { get; }", "DPD0042", "Out: the parameter tensor Out.weight [2147483647, 4] is 8,589,934,588 floats")]
    [InlineData("Input = new[] { 46341 }", "[Dense(46341)] public partial Dense Out { get; }", "DPD0042", "Out: the parameter tensor Out.weight [46341, 46341] is 2,147,488,281 floats")]
    [InlineData("Input = new[] { 4, 65536, 65536 }", "[Flatten] public partial Flatten Out { get; }", "DPD0042", "Network 'Net': the input 4x65536x65536 is 17,179,869,184 floats per sample")]
    [InlineData("Input = new[] { 1, 20000, 20000 }", "[Conv2D(8, Kernel = 1)] public partial Conv2D Out { get; }", "DPD0042", "Out: the output 8x20000x20000 is 3,200,000,000 floats per sample")]
    [InlineData("Input = new[] { 1, 8, 8 }", "[Conv2D(8, Kernel = 100000, Dilation = 100000)] public partial Conv2D Out { get; }", "DPD0042", "Out: the dilated kernel extent of Kernel 100000x100000 with Dilation 100000 is 9,999,900,001")]
    [InlineData("Input = new[] { 1, 8, 8 }", "[Conv2D(8, Kernel = 3, Padding = int.MaxValue)] public partial Conv2D Out { get; }", "DPD0042", "Out: the padded 8x8 input (padding 2147483647) is 4,294,967,302")]
    // Each tensor fits (46340 x 46340 = 2,147,395,600), the two together do not.
    [InlineData("Input = new[] { 46340 }", "[Dense(46340, Bias = false)] public partial Dense A { get; } [Dense(46340, Bias = false)] public partial Dense B { get; }", "DPD0042",
        "Network 'Net': the parameter block up to B.weight (all parameters live in one float[]) is 4,294,791,200 floats")]
    public void Values_the_generated_code_cannot_hold_are_one_DPD_error(string network, string layers, string id, string message)
        => Assert.StartsWith(message, SingleError($$"""
            using DeepPsych.Dsl;
            [Network({{network}})]
            public partial class Net
            {
                {{layers}}
            }
            """, id));

    [Theory]
    [InlineData(nameof(Networks.XorMlp))]
    [InlineData(nameof(Networks.LeNet5))]
    [InlineData(nameof(Networks.ConvNetJsDemo))]
    [InlineData(nameof(Networks.Overfitting))]
    public void Example_networks_compile_under_nullable_with_warnings_as_errors_and_the_latest_language_version(string example)
    {
        var latest = new CSharpParseOptions(LanguageVersion.Latest);
        string source = "#nullable enable\n" + (string)typeof(Networks).GetProperty(example)!.GetValue(null)!;
        var baseline = GeneratorHarness.Compilation(source);
        var compilation = baseline
            .RemoveAllSyntaxTrees()
            .AddSyntaxTrees(baseline.SyntaxTrees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), latest, t.FilePath)))
            .WithOptions(baseline.Options.WithGeneralDiagnosticOption(ReportDiagnostic.Error).WithNullableContextOptions(NullableContextOptions.Enable));
        CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: latest)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.NotEmpty(output.SyntaxTrees.Skip(compilation.SyntaxTrees.Count()));
    }
}
