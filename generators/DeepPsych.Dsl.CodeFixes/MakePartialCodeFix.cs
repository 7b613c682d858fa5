namespace DeepPsych.Dsl.CodeFixes;

/// <summary>DPD0001: adds <c>partial</c> to the network class and to every class around it that lacks it.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix() : DiagnosticCodeFix<TypeDeclarationSyntax>(DiagnosticDescriptors.NetworkNotPartial)
{
    protected override Edit? Offer(Diagnostic diagnostic, TypeDeclarationSyntax declaration)
        => new("Make the network class partial", (document, root, _) =>
        {
            var missing = declaration.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword));
            return Task.FromResult(document.WithSyntaxRoot(root.ReplaceNodes(missing, (_, t) => AddPartial(t))));
        });

    /// <summary><c>partial</c> goes last among the modifiers, right before the keyword (C# requires that position).</summary>
    private static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax type)
    {
        if (type.Modifiers.Count == 0)
        {
            // Move the keyword's leading trivia (indentation, doc comments) in front of the new modifier.
            var partial = SyntaxFactory.Token(type.Keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return type.WithKeyword(type.Keyword.WithLeadingTrivia()).WithModifiers(SyntaxFactory.TokenList(partial));
        }
        return type.AddModifiers(SyntaxFactory.Token(SyntaxKind.PartialKeyword).WithTrailingTrivia(SyntaxFactory.Space));
    }
}
