using System.Globalization;

namespace DeepPsych.Dsl.CodeFixes;

/// <summary>DPD0003: sets the smallest zero padding that makes the (dilated) kernel fit: p = ⌈(extent − input) / 2⌉
/// per axis, never less than the padding already there. The shapes come from the diagnostic's arguments
/// (2: dilated extent HxW, 3: input HxW, 6: current padding P or PHxPW). Per-axis values are written as
/// PaddingH/PaddingW when the attribute has them, else the larger one as Padding.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddPaddingCodeFix)), Shared]
public sealed class AddPaddingCodeFix() : DiagnosticCodeFix<AttributeSyntax>(DiagnosticDescriptors.KernelDoesNotFit)
{
    protected override Edit? Offer(Diagnostic diagnostic, AttributeSyntax attribute)
    {
        if (Pair(diagnostic, "2") is not { } extent || Pair(diagnostic, "3") is not { } input || Pair(diagnostic, "6") is not { } current) return null;
        int padH = Math.Max(current.H, Needed(extent.H, input.H)), padW = Math.Max(current.W, Needed(extent.W, input.W));
        string title = padH == padW ? $"Add Padding = {padH} so the kernel fits" : $"Add PaddingH = {padH}, PaddingW = {padW} so the kernel fits";
        return new(title, (document, root, ct) => Fix(document, root, attribute, padH, padW, ct));
    }

    private static int Needed(int extent, int input) => Math.Max(0, (extent - input + 1) / 2);

    /// <summary>"5x3" → (5, 3); "2" → (2, 2).</summary>
    private static (int H, int W)? Pair(Diagnostic diagnostic, string key)
    {
        if (!diagnostic.Properties.TryGetValue(key, out var text) || text is null) return null;
        var parts = text.Split('x');
        if (parts.Length is < 1 or > 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int h)) return null;
        int w = h;
        if (parts.Length == 2 && !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out w)) return null;
        return (h, w);
    }

    private static async Task<Document> Fix(Document document, SyntaxNode root, AttributeSyntax attribute, int padH, int padW, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var attributeType = model?.GetTypeInfo(attribute, cancellationToken).Type ?? (model?.GetSymbolInfo(attribute, cancellationToken).Symbol as IMethodSymbol)?.ContainingType;
        bool perAxis = attributeType?.GetMembers("PaddingH").Any() == true && attributeType.GetMembers("PaddingW").Any();

        var kept = (attribute.ArgumentList?.Arguments ?? default).Where(a => a.NameEquals?.Name.Identifier.Text is not ("Padding" or "PaddingH" or "PaddingW")).ToList();
        if (perAxis && padH != padW)
        {
            kept.Add(Named("PaddingH", padH));
            kept.Add(Named("PaddingW", padW));
        }
        else kept.Add(Named("Padding", Math.Max(padH, padW)));

        var list = SyntaxFactory.AttributeArgumentList(SyntaxFactory.SeparatedList(kept, Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), kept.Count - 1)));
        if (attribute.ArgumentList is { } old) list = list.WithTriviaFrom(old);
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, attribute.WithArgumentList(list)));
    }

    private static AttributeArgumentSyntax Named(string name, int value)
        => SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(value)))
            .WithNameEquals(SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)));
}
