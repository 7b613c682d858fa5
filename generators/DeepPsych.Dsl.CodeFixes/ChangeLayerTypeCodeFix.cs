namespace DeepPsych.Dsl.CodeFixes;

/// <summary>DPD0012: changes the layer property's type to the one its attribute needs (message argument 2, which the
/// generator takes from its own attribute-to-type table: this fix knows no layer kinds).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ChangeLayerTypeCodeFix)), Shared]
public sealed class ChangeLayerTypeCodeFix() : DiagnosticCodeFix<PropertyDeclarationSyntax>(DiagnosticDescriptors.LayerTypeMismatch)
{
    protected override Edit? Offer(Diagnostic diagnostic, PropertyDeclarationSyntax property)
    {
        if (!diagnostic.Properties.TryGetValue("2", out var expected) || string.IsNullOrEmpty(expected)) return null;
        var type = SyntaxFactory.ParseTypeName(expected!).WithTriviaFrom(property.Type);
        return new($"Declare {property.Identifier.Text} as {expected}",
            (document, root, _) => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(property.Type, type))));
    }
}
