using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using DeepPsych.Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.CodeFixes;

/// <summary>DPD0012: changes the layer property's type to the one its attribute needs (message argument 2, which the
/// generator takes from its own attribute-to-type table: this fix knows no layer kinds).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChangeLayerTypeCodeFix)), Shared]
public sealed class ChangeLayerTypeCodeFix : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = [DiagnosticDescriptors.LayerTypeMismatch.Id];

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue("2", out var expected) || string.IsNullOrEmpty(expected)) continue;
            var property = root?.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<PropertyDeclarationSyntax>().FirstOrDefault();
            if (root is null || property is null) continue;
            var type = SyntaxFactory.ParseTypeName(expected!).WithTriviaFrom(property.Type);
            context.RegisterCodeFix(
                CodeAction.Create($"Declare {property.Identifier.Text} as {expected}",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(property.Type, type))), nameof(ChangeLayerTypeCodeFix)),
                diagnostic);
        }
    }
}
