using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using DeepPsych.Dsl.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace DeepPsych.Dsl.CodeFixes.Tests;

/// <summary>Puts source in an AdhocWorkspace (offline .NET 10 references plus the DeepPsych.Dsl contract and runtime),
/// runs the generator for its diagnostics, applies a code fix's action and returns the fixed text.</summary>
public static class CodeFixHarness
{
    private static readonly MetadataReference[] References =
    [
        .. Net100.References.All,
        MetadataReference.CreateFromFile(typeof(DeepPsych.Dsl.INeuralNetwork).Assembly.Location),   // the contract (the generator compiles its attributes too)
        MetadataReference.CreateFromFile(typeof(DeepPsych.Dsl.Execution.WorkerPool).Assembly.Location),
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public static Document Document(string source)
    {
        var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "UserNetworks", "UserNetworks", LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: ParseOptions, metadataReferences: References));
        return workspace.AddDocument(project.Id, "Network.cs", SourceText.From("using DeepPsych.Dsl;\n" + source));
    }

    /// <summary>The generator's diagnostics for the document's project, and the errors of the compilation with its output.</summary>
    public static async Task<(ImmutableArray<Diagnostic> Generator, ImmutableArray<Diagnostic> Errors)> RunGenerator(Document document)
    {
        var compilation = (await document.Project.GetCompilationAsync())!;
        CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (diagnostics, output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray());
    }

    /// <summary>Runs the generator, takes its single diagnostic with <paramref name="id"/>, asks <paramref name="fix"/>
    /// for actions and applies the only one. Returns the action's title and the fixed document.</summary>
    public static async Task<(string Title, Document Fixed)> Apply(CodeFixProvider fix, string source, string id)
    {
        var document = Document(source);
        var (diagnostics, _) = await RunGenerator(document);
        var diagnostic = Assert.Single(diagnostics, d => d.Id == id);
        Assert.Contains(id, fix.FixableDiagnosticIds);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None);
        await fix.RegisterCodeFixesAsync(context);
        var action = Assert.Single(actions);
        var operation = Assert.Single((await action.GetOperationsAsync(CancellationToken.None)).OfType<ApplyChangesOperation>());
        var changed = operation.ChangedSolution.GetDocument(document.Id)!;
        return (action.Title, changed);
    }

    public static async Task<string> Text(Document document) => (await document.GetTextAsync()).ToString();
}
