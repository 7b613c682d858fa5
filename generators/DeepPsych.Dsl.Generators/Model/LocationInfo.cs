using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepPsych.Dsl.Generators.Model;

/// <summary>A symbol-free, equatable stand-in for <see cref="Location"/> (a Location would pin a syntax tree in the cache).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>The location in <paramref name="compilation"/>'s syntax tree of this file when there is one (pragmas and
    /// suppressions apply there), else an external file span.</summary>
    public Location ToLocation(Compilation? compilation = null)
    {
        var tree = compilation?.SyntaxTrees.FirstOrDefault(t => t.FilePath == FilePath);
        return tree is not null && Span.End <= tree.Length ? Location.Create(tree, Span) : Location.Create(FilePath, Span, LineSpan);
    }

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location?.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
