using Basic.Reference.Assemblies;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using System.Text.RegularExpressions;

namespace DeepPsych.Dsl.Generators.Benchmarks;

/// <summary>
/// The generator on one declaration file, as the IDE runs it. <see cref="FirstRun"/>: a new driver over a compilation
/// that has already been bound once, so it measures the generator's own stages (attributes read, shapes inferred, plan,
/// emitted source) and little of Roslyn. <see cref="AfterLayerEdit"/>: the warm driver after one attribute argument
/// changed (the first <c>Act.ReLU</c> becomes <c>Act.LeakyReLU</c>, or a block's <c>Bias = false</c> becomes true): a new compilation whose changed file Roslyn binds
/// again, then the network re-planned and re-emitted — what a keystroke in a layer costs. The declarations are the
/// example files themselves (with their InputSize constants); a file is measured whole, so <c>ResNet.cs</c> times ResNet-18,
/// -34 and -50 together (an upper bound for ResNet-34 alone). Target (issue 11): under 500 ms for the largest networks.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private static readonly MetadataReference[] References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(INeuralNetwork).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(DeepPsych.Dsl.Execution.WorkerPool).Assembly.Location),
    ];

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Preview);

    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;
    private SyntaxTree _declaration = null!, _edited = null!;

    /// <summary>The declaration file (under Declarations/ beside the benchmark).</summary>
    [Params("LeNet5.cs", "AlexNet.cs", "AlexNet2012.cs", "ZfNet.cs", "Vgg16.cs", "GoogLeNet.cs", "ResNet.cs")]
    public string Network { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Declarations");
        string text = File.ReadAllText(Path.Combine(dir, Network));
        _declaration = CSharpSyntaxTree.ParseText(text, Parse, path: Network);
        // One layer edit: the first "Activation = Act.ReLU" becomes LeakyReLU, or (in the block networks, whose ReLUs are
        // calls in Forward) the first "Bias = false" becomes true, in a block every use of it inlines: same shapes, new code.
        var (from, to) = text.Contains("Act.ReLU", StringComparison.Ordinal) ? ("Act.ReLU", "Act.LeakyReLU") : ("Bias = false", "Bias = true");
        int at = text.IndexOf(from, StringComparison.Ordinal);
        if (at < 0) throw new InvalidOperationException($"{Network} has neither 'Act.ReLU' nor 'Bias = false' to edit.");
        _edited = CSharpSyntaxTree.ParseText(text[..at] + to + text[(at + from.Length)..], Parse, path: Network);
        var trees = new List<SyntaxTree> { _declaration, CSharpSyntaxTree.ParseText(Usings, Parse, path: "Usings.cs") };
        if (text.Contains("InputSize.", StringComparison.Ordinal))
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(dir, "InputSize.cs")), Parse, path: "InputSize.cs"));
        _compilation = CSharpCompilation.Create("Declarations", trees, References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        // Fail here, not in a figure, if the generator reports an error or leaves out one of the file's networks (ResNet.cs
        // holds ResNet-18, -34 and -50: each must be emitted in full, not as a stub, so the figure covers ResNet-34).
        var run = Driver().RunGenerators(_compilation).GetRunResult();
        if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error) || run.GeneratedTrees.Length == 0)
            throw new InvalidOperationException($"{Network}: the generator emitted {run.GeneratedTrees.Length} files: {string.Join("; ", run.Diagnostics)}");
        var emitted = run.GeneratedTrees.Select(t => Path.GetFileName(t.FilePath)).ToList();
        var networks = Regex.Matches(text, @"\[Network\b[^\n]*\]\s*public\s+partial\s+class\s+(\w+)");
        if (networks.Count == 0) throw new InvalidOperationException($"{Network}: no '[Network(...)] public partial class' declaration found to check.");
        foreach (Match m in networks)
        {
            string name = m.Groups[1].Value;
            if (!emitted.Any(f => f.EndsWith("." + name + ".g.cs", StringComparison.Ordinal) || f == name + ".g.cs"))
                throw new InvalidOperationException($"{Network}: no generated source for the network {name}; emitted: {string.Join(", ", emitted)}");
        }
        _warm = Driver().RunGenerators(_compilation);
    }

    private const string Usings = "global using System; global using System.Collections.Generic; global using System.Linq;";

    private static GeneratorDriver Driver()
        => CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: Parse);

    [Benchmark]
    public GeneratorDriver FirstRun() => Driver().RunGenerators(_compilation);

    [Benchmark]
    public GeneratorDriver AfterLayerEdit() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_declaration, _edited));
}
