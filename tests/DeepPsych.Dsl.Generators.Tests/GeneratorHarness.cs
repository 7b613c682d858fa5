using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using DeepPsych.Dsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepPsych.Dsl.Generators.Tests;

/// <summary>Runs the generator on source text, offline, against the .NET 10 reference assemblies plus the DeepPsych.Dsl
/// contract and runtime, and compiles the result.</summary>
public static class GeneratorHarness
{
    public const string Usings = "using DeepPsych.Dsl;\n";

    private static readonly MetadataReference[] References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(DeepPsych.Dsl.INeuralNetwork).Assembly.Location),   // the contract (its attributes are also linked into the generator as internal types)
        MetadataReference.CreateFromFile(typeof(DeepPsych.Dsl.Execution.WorkerPool).Assembly.Location),
    ];

    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Preview);

    /// <summary>What an SDK project's ImplicitUsings add, so the examples' files compile here as they do in their projects.</summary>
    private const string ImplicitUsings = "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; global using System.Threading; global using System.Threading.Tasks;";

    public static CSharpCompilation Compilation(params string[] sources)
        => CSharpCompilation.Create("UserNetworks",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Network{i}.cs"))
                .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, ParseOptions, path: "ImplicitUsings.cs")),
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver(bool trackSteps = false)
        => CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    public sealed record Result(ImmutableArray<Diagnostic> GeneratorDiagnostics, ImmutableArray<Diagnostic> CompilationDiagnostics, IReadOnlyList<(string HintName, string Source)> Sources)
    {
        public string Single => Sources.Single().Source;
        public IEnumerable<Diagnostic> Errors => CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error);
    }

    public static Result Run(params string[] sources)
    {
        var compilation = Compilation(sources);
        var driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        var generated = run.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
        return new Result(generatorDiagnostics, output.GetDiagnostics(), generated);
    }
}
