using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Tests.Diagnostics;

/// <summary>A network the generator reports an error on still gets its partial members (throwing stubs, see
/// NetworkEmitter.Stub.cs), so the build shows exactly one error, the DPD one: no CS9248 for each layer property, no
/// CS1061 for each use of a generated member in the user's own code.</summary>
public class OneErrorTests
{
    /// <summary>User code that touches what a program touches: the constructor, constants, layer views, the contract.</summary>
    private const string Use = """
        public static class Program
        {
            public static float Run()
            {
                var net = new Net();
                net.InitializeParameters(seed: 1);
                net.Threads = 2;
                var output = new float[Net.OutputLength];
                net.Forward(new float[Net.InputLength], output, batch: 1);
                INeuralNetwork contract = net;
                net.UseDevice(null);
                System.Console.WriteLine(net.Summary() + Net.ParameterCount + Net.SummaryTable + net.Layers.Count + net.BackwardSource);
                return net.ComputeGradients(new float[Net.InputLength], new int[1], batch: 1) + contract.OutputLength + net.Parameters[0] + net.C1.Weights.Values[0];
            }
        }
        """;

    /// <summary>"[Network(arguments)] public partial class Net { members }"; a partial property without accessors gets "{ get; }".</summary>
    private static string Net(string arguments, params string[] members)
        => $"[Network{(arguments.Length > 0 ? "(" + arguments + ")" : "")}]\npublic partial class Net\n{{\n"
            + string.Concat(members.Select(m => "    " + (m.Contains(" partial ", StringComparison.Ordinal) && !m.EndsWith('}') ? m + " { get; }" : m) + "\n")) + "}\n";

    public static TheoryData<string, string> Networks() => new()
    {
        { "DPD0003", Net("Input = new[] { 1, 12, 12 }, Loss = Loss.SoftmaxCrossEntropy",
            "[Conv2D(6, Kernel = 5)] public partial Conv2D C1", "[MaxPool2D(2)] public partial Pool S2", "[Conv2D(16, Kernel = 5)] public partial Conv2D C3", "[Dense(10)] public partial Dense Out") },
        { "DPD0002", Net("", "[Conv2D(6, Kernel = 5)] public partial Conv2D C1", "[Dense(10)] public partial Dense Out") },
        // A wrong property type: the stub implements the property with the type the user declared.
        { "DPD0012", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[MaxPool2D(2)] public partial Dense S2", "[Dense(10)] public partial Dense Out") },
        { "DPD0013", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1 { get; set; }", "[Dense(10)] public partial Dense Out") },
        { "DPD0014", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[Dropout(1.5)] public partial Dropout Drop", "[Dense(10)] public partial Dense Out") },
        { "DPD0016", Net("Input = new[] { 1, 8, 8 }, Loss = Loss.SoftmaxCrossEntropy", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1") },
        // A layer named like a generated member: the stub keeps the property and implements that member explicitly.
        { "DPD0010", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[Dense(10)] public partial Dense Seed") },
        // Declarations the generator cannot complete around (DPD0031): a constructor that does not chain to the generated
        // one, a parameterless constructor of the user's own, a member named like a generated one.
        { "DPD0031", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[Dense(10)] public partial Dense Out", "public Net(int seed) { Seed = seed; }") },
        { "DPD0031", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[Dense(10)] public partial Dense Out", "public Net() { }") },
        { "DPD0031", Net("Input = new[] { 1, 8, 8 }", "[Conv2D(6, Kernel = 3)] public partial Conv2D C1", "[Dense(10)] public partial Dense Out", "public string Summary() => \"mine\";") },
        {
            // A network of [Block]s with an error: the blocks keep their own code, the network gets the stubs.
            "DPD0016", """
            using static DeepPsych.Dsl.Functional;
            [Block]
            public partial class Unit(int planes)
            {
                [Conv2D(Kernel = 3, Padding = 1, Activation = Act.Tanh, Bind = "OutChannels = planes")] public partial Conv2D Conv1 { get; }
                public Tensor Forward(Tensor x) => Conv1.Forward(x) + x;
            }
            [Network(Input = new[] { 4, 6, 6 }, Loss = Loss.SoftmaxCrossEntropy)]
            public partial class Net
            {
                [Conv2D(4, Kernel = 3, Padding = 1)] public partial Conv2D C1 { get; }
                public Sequential<Unit> Layer1 { get; } = [new(4), new(4)];
                [GlobalAvgPool] public partial Pool Pool { get; }
                [Dense(1)] public partial Dense Out { get; }
                public Tensor Forward(Tensor x) => Out.Forward(Flatten(Pool.Forward(Layer1.Forward(C1.Forward(x)))));
            }
            """
        },
        {
            // A graph error in Forward(Tensor), in a namespace and inside another class.
            "DPD0020", """
            namespace Deep.Space
            {
                public partial class Outer
                {
                    [Network(Input = new[] { 2, 6, 6 }, Loss = Loss.SoftmaxCrossEntropy)]
                    public partial class Net
                    {
                        [Conv2D(4, Kernel = 3, Padding = 1)] public partial Conv2D C1 { get; }
                        [Conv2D(3, Kernel = 3, Padding = 1)] internal partial Conv2D C2 { get; }
                        [GlobalAvgPool]                      public partial Pool Pool { get; }
                        [Dense(3)]                           public partial Dense Out { get; }

                        public Tensor Forward(Tensor x)
                        {
                            var h = C1.Forward(x);
                            return Out.Forward(Pool.Forward(h + C2.Forward(h)));
                        }
                    }
                }
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void A_network_with_an_error_builds_with_that_error_alone(string id, string network)
    {
        bool nested = network.Contains("namespace Deep.Space", StringComparison.Ordinal);
        string use = nested ? "using Deep.Space;\nusing Net = Deep.Space.Outer.Net;\n" + Use : Use;
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + network, GeneratorHarness.Usings + use);
        var errors = result.GeneratorDiagnostics.Concat(result.CompilationDiagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 1 && errors[0].Id == id, $"expected {id} alone, got:\n{string.Join("\n", errors)}");
        Assert.Contains(result.Sources, s => s.HintName.EndsWith(".stub.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_valid_network_gets_no_stub()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + """
            [Network(Input = new[] { 1, 8, 8 })]
            public partial class Net
            {
                [Conv2D(6, Kernel = 3)] public partial Conv2D C1 { get; }
                [Dense(10)]             public partial Dense Out { get; }
            }
            """, GeneratorHarness.Usings + Use);
        Assert.Empty(result.Errors);
        Assert.DoesNotContain(result.Sources, s => s.HintName.EndsWith(".stub.g.cs", StringComparison.Ordinal));
    }
}
