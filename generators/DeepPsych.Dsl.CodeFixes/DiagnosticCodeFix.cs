namespace DeepPsych.Dsl.CodeFixes;

/// <summary>What every fix here shares: one diagnostic id, batch fix-all, and for each diagnostic the nearest
/// <typeparamref name="TNode"/> around its location, for which the fix may <see cref="Offer"/> one edit.</summary>
public abstract class DiagnosticCodeFix<TNode>(DiagnosticDescriptor descriptor) : CodeFixProvider where TNode : SyntaxNode
{
    /// <summary>A titled edit of the document, given its syntax root.</summary>
    public sealed record Edit(string Title, Func<Document, SyntaxNode, CancellationToken, Task<Document>> Apply);

    public sealed override ImmutableArray<string> FixableDiagnosticIds { get; } = [descriptor.Id];

    public sealed override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            var node = root.FindToken(diagnostic.Location.SourceSpan.Start).Parent?.AncestorsAndSelf().OfType<TNode>().FirstOrDefault();
            if (node is null || Offer(diagnostic, node) is not { } edit) continue;
            context.RegisterCodeFix(CodeAction.Create(edit.Title, ct => edit.Apply(context.Document, root, ct), GetType().Name), diagnostic);
        }
    }

    /// <summary>The edit for <paramref name="diagnostic"/> at <paramref name="node"/>, or null when there is none to offer.</summary>
    protected abstract Edit? Offer(Diagnostic diagnostic, TNode node);
}
