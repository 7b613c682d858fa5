using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Tests.Fuzz;

/// <summary>What the generator promises for any input, checked on one source text:
/// <list type="number">
/// <item>no exception escapes the generator (Roslyn would report CS8785 and drop every network's code);</item>
/// <item>no DPD0099 (internal failure);</item>
/// <item>when the input has no compiler error of its own: either a DPD error is reported, or the input and the generated
/// code compile together (under <c>#nullable enable</c>) with zero errors and no warning the input alone does not have;</item>
/// <item>every type with layer attributes gets generated code or a diagnostic located in it.</item>
/// </list>
/// A violation is returned as a <see cref="Violation"/> whose <see cref="Violation.Kind"/> stays the same while the
/// input is shrunk.</summary>
public static partial class GeneratorProperty
{
    public sealed record Violation(string Kind, string Details)
    {
        public override string ToString() => $"{Kind}: {Details}";
    }

    /// <summary>Compiler diagnostics the input alone has because the generator did not run (the partial properties'
    /// implementations are what it generates).</summary>
    private static readonly HashSet<string> MissingGeneratedParts = ["CS9248", "CS8795"];

    private static readonly HashSet<string> LayerAttributeNames =
        ["Dense", "Conv2D", "MaxPool2D", "AvgPool2D", "GlobalAvgPool", "Flatten", "Activation", "Dropout"];

    public static Violation? Check(string source)
    {
        var compilation = GeneratorHarness.Compilation(source);
        var input = compilation.SyntaxTrees.First();
        // The input's own diagnostics, in any of its trees (a user type named System breaks the implicit usings' tree).
        var own = compilation.GetDiagnostics()
            .Where(d => !MissingGeneratedParts.Contains(d.Id) && d.Severity >= DiagnosticSeverity.Warning)
            .ToList();

        var driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult();
        if (run.Results.FirstOrDefault().Exception is { } exception)
            return new("exception", $"{exception.GetType().Name}: {exception.Message}");
        if (generatorDiagnostics.FirstOrDefault(d => d.Id == "CS8785") is { } crash)
            return new("exception", crash.GetMessage());
        if (generatorDiagnostics.FirstOrDefault(d => d.Id == "DPD0099") is { } internalError)
            return new("DPD0099", internalError.GetMessage());

        bool userErrors = own.Any(d => d.Severity == DiagnosticSeverity.Error);
        if (userErrors) return null; // the user's own error is what they see; nothing more is promised

        var sources = run.Results.SelectMany(r => r.GeneratedSources).Select(s => s.SourceText.ToString()).ToList();
        foreach (var type in LayerTypes(input))
        {
            string name = type.Identifier.ValueText;
            bool hasCode = sources.Any(s => Regex.IsMatch(s, $@"partial (class|struct|record|record struct) @?{Regex.Escape(name)}\b"));
            // Generator diagnostics carry file locations (no syntax tree): compare by path and span.
            bool hasDiagnostic = generatorDiagnostics.Any(d => d.Location.GetLineSpan().Path == input.FilePath && type.FullSpan.Contains(d.Location.SourceSpan));
            if (!hasCode && !hasDiagnostic)
                return new("silent", $"'{name}' has layer attributes but got neither code nor a diagnostic");
        }

        if (generatorDiagnostics.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("DPD", StringComparison.Ordinal))) return null;

        var all = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && !d.IsSuppressed).ToList();
        if (all.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
            return new("error " + error.Id, Describe(error, all));
        // The input's own warnings may move (CS8618 moves to the generated constructor): compare by id and message.
        var ownWarnings = own.Select(d => (d.Id, d.GetMessage())).ToHashSet();
        if (all.FirstOrDefault(d => !ownWarnings.Contains((d.Id, d.GetMessage()))) is { } warning)
            return new("warning " + warning.Id, Describe(warning, all));
        return null;
    }

    private static string Describe(Diagnostic first, List<Diagnostic> all)
    {
        string Where(Diagnostic d) => d.Location.SourceTree is { } tree
            ? $"{Path.GetFileName(tree.FilePath)}({d.Location.GetLineSpan().StartLinePosition.Line + 1}): {Line(tree, d.Location.SourceSpan.Start)}"
            : "(no location)";
        return $"{first.GetMessage()} at {Where(first)} ({all.Count} diagnostics in all: {string.Join(", ", all.Select(d => d.Id).Distinct())})";
    }

    private static string Line(SyntaxTree tree, int position)
    {
        var text = tree.GetText();
        return text.Lines[text.Lines.GetLineFromPosition(position).LineNumber].ToString().Trim();
    }

    private static IEnumerable<TypeDeclarationSyntax> LayerTypes(SyntaxTree tree)
        => tree.GetRoot().DescendantNodes().OfType<PropertyDeclarationSyntax>()
            .Where(p => p.AttributeLists.SelectMany(l => l.Attributes).Any(a => LayerAttributeNames.Contains(a.Name.ToString().Replace("Attribute", ""))))
            .Select(p => p.Parent).OfType<TypeDeclarationSyntax>().Distinct();

    /// <summary>Removes lines (then single characters of the remaining lines' ends) while the same kind of violation
    /// remains: a minimal reproducer to keep as a regular test.</summary>
    public static string Shrink(string source, Violation violation, int budget = 400)
    {
        var lines = source.Split('\n').ToList();
        bool progress = true;
        while (progress && budget > 0)
        {
            progress = false;
            for (int i = lines.Count - 1; i >= 0 && budget > 0; i--)
            {
                var candidate = lines.Where((_, k) => k != i).ToList();
                budget--;
                if (Check(string.Join('\n', candidate))?.Kind == violation.Kind)
                {
                    lines = candidate;
                    progress = true;
                }
            }
        }
        return string.Join('\n', lines);
    }
}
