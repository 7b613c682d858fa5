using DeepPsych.Dsl.Generators.Emit;
using DeepPsych.Dsl.Generators.Layers;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Planning;
using DeepPsych.Dsl.Generators.Tests.Fuzz;
using DeepPsych.Dsl.Generators.Tests.Snapshots;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Tests.Emit;

/// <summary><see cref="EmittedNames"/> is the list DPD0040 checks user names against: it must be exactly the members the
/// emitter declares, for every kind, or a collision it misses would be CS0102 in generated code again.</summary>
public sealed class EmittedNamesTests
{
    /// <summary>Every kind of <see cref="LayerTable"/>, each with the options that add members (bias, geometry).</summary>
    private const string EveryKind = """
        using DeepPsych.Dsl;
        [Network(Input = new[] { 3, 12, 12 }, ClassWeights = new[] { 1f, 2f, 0.5f }, IgnoreIndex = -1)]
        public partial class EveryKind
        {
            [Identity] public partial Identity I { get; }
            [Conv2D(4, Kernel = 3, Padding = 1)] public partial Conv2D C { get; }
            [BatchNorm2D] public partial BatchNorm B { get; }
            [Activation(Act.ReLU)] public partial Activation A { get; }
            [MaxPool2D(2)] public partial Pool M { get; }
            [AvgPool2D(3, Stride = 1, Padding = 1)] public partial Pool V { get; }
            [LocalResponseNorm(Size = 3)] public partial LocalResponseNorm N { get; }
            [AdaptiveAvgPool2D(2, 2)] public partial Pool P { get; }
            [GlobalAvgPool] public partial Pool G { get; }
            [SpatialPyramidPool(Levels = new[] { 1 })] public partial Pool S { get; }
            [Flatten] public partial Flatten F { get; }
            [Dropout(0.5)] public partial Dropout D { get; }
            [BatchNorm1D] public partial BatchNorm B1 { get; }
            [Softmax] public partial Activation Sm { get; }
            [Dense(3)] public partial Dense Out { get; }
            [LogSoftmax] public partial Activation L { get; }
            public Tensor Forward(Tensor x)
            {
                var p = P.Forward(N.Forward(V.Forward(M.Forward(A.Forward(B.Forward(C.Forward(I.Forward(x))))))));
                return L.Forward(Out.Forward(Sm.Forward(B1.Forward(D.Forward(F.Forward(G.Forward(p) + S.Forward(p)))))));
            }
        }
        """;

    public static TheoryData<string> Sources => new()
    {
        EveryKind, Networks.XorMlp, Networks.LeNet5, Networks.ConvNetJsDemo, Networks.Overfitting, Networks.GraphNetworks(), Networks.BlockNetworks(),
    };

    private static List<(NetworkPlan Plan, ClassDeclarationSyntax Class)> Generate(string source)
    {
        var compilation = GeneratorHarness.Compilation(source);
        var run = GeneratorHarness.Driver(trackSteps: true).RunGenerators(compilation).GetRunResult().Results.Single();
        Assert.Empty(run.Diagnostics);
        var classes = run.GeneratedSources
            .SelectMany(s => CSharpSyntaxTree.ParseText(s.SourceText).GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Where(c => c.BaseList is not null && c.BaseList.ToString().Contains("INeuralNetwork"))
            .ToList();
        return run.TrackedSteps[NetworkGenerator.Stages.Plan].SelectMany(s => s.Outputs).Select(o => ((PlanResult)o.Value).Plan!)
            .Select(plan => (plan, classes.Single(c => c.Identifier.ValueText == plan.ClassName)))
            .ToList();
    }

    private static IEnumerable<string> Members(ClassDeclarationSyntax type) => type.Members.SelectMany(m => m switch
    {
        BaseFieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.ValueText),
        PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: null } p => [p.Identifier.ValueText],
        MethodDeclarationSyntax { ExplicitInterfaceSpecifier: null } x => [x.Identifier.ValueText],
        BaseTypeDeclarationSyntax t => [t.Identifier.ValueText],
        _ => [],
    });

    [Theory]
    [MemberData(nameof(Sources))]
    public void The_list_is_exactly_the_members_the_emitter_declares(string source)
    {
        foreach (var (plan, type) in Generate(source))
        {
            var declared = Members(type).ToHashSet();
            var listed = EmittedNames.Of(plan).Select(e => e.Name).ToHashSet();
            Assert.Empty(declared.Except(listed));   // the emitter declares a member the list lacks
            Assert.Empty(listed.Except(declared));   // the list names a member the emitter no longer declares
        }
    }

    [Fact]
    public void The_every_kind_network_has_every_kind()
    {
        var plan = Generate(EveryKind).Single().Plan;
        Assert.Empty(LayerTable.Kinds.Select(k => k.Name).Except(plan.Nodes.Select(n => n.Options.Kind.Name)));
    }

    [Theory]
    [InlineData("private int _threads;", "_threads", "your field and, in the generated code, a private member every network has; rename your field")]
    [InlineData("private void TrainShard(int s) { }", "TrainShard", "your method and, in the generated code, a private member every network has; rename your method")]
    [InlineData("public const int OutSize = 2;", "OutSize", "your constant and, in the generated code, the output length of layer 'Out'; rename your constant")]
    [InlineData("private readonly float[] _Out = new float[1];", "_Out", "your field and, in the generated code, the field behind layer 'Out'; rename your field")]
    [InlineData("public class OutWeight { }", "OutWeight", "your nested type and, in the generated code, the read-only view of parameter Out.weight; rename your nested type")]
    [InlineData("[Dense(3)] public partial Dense OutBiasOffset { get; }", "OutBiasOffset", "layer 'OutBiasOffset' and, in the generated code, the offset of parameter Out.bias; rename layer 'OutBiasOffset'")]
    [InlineData("[Dense(3)] public partial Dense _Out { get; }", "_Out", "layer '_Out' and, in the generated code, the field behind layer 'Out'; rename layer '_Out'")]
    [InlineData("[Dense(3)] public partial Dense s_inputShape { get; }", "s_inputShape", "layer 's_inputShape' and, in the generated code, a private member every network has; rename layer 's_inputShape'")]
    [InlineData("[Dense(3)] public partial Dense threads { get; }", "_threads", "the field behind layer 'threads' and, in the generated code, a private member every network has; rename layer 'threads'")]
    [InlineData("public int get_Parameters() => 1;", "get_Parameters", "your method and, in the generated code, the accessor of 'Parameters', a public member every network has; rename your method")]
    [InlineData("} public class B { protected int _threads; } partial class Net : B {", "_threads", "the field inherited from 'B' and, in the generated code, a private member every network has; rename the field inherited from 'B'")]
    [InlineData("} public class B { public int OutSize; } partial class Net : B {", "OutSize", "the field inherited from 'B' and, in the generated code, the output length of layer 'Out'; rename the field inherited from 'B'")]
    public void A_name_the_generated_code_also_declares_is_DPD0040(string member, string name, string message)
    {
        // Was CS0102 (CS0111, CS0082) in the generated code, or CS0108 where it hides a base class's member.
        Assert.Equal($"Network 'Net': the name '{name}' is both {message}", FuzzRegressionTests.SingleError($$"""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class Net
            {
                {{member}}
                [Dense(2)] public partial Dense Out { get; }
            }
            """, "DPD0040"));
    }

    [Fact]
    public void A_class_named_like_a_generated_member_is_DPD0040()
    {
        // Was CS0542 (a member named like its class).
        Assert.StartsWith("Network 'ForwardPass': the name 'ForwardPass' is both the class and", FuzzRegressionTests.SingleError("""
            using DeepPsych.Dsl;
            [Network(Input = new[] { 4 })]
            public partial class ForwardPass
            {
                [Dense(2)] public partial Dense Out { get; }
            }
            """, "DPD0040"));
    }
}
