using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DeepPsych.Dsl.Generators.Model;

/// <summary>A symbol-free, equatable stand-in for <see cref="Location"/> (a Location would pin a syntax tree in the cache).</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

    public static LocationInfo? From(Location? location)
    {
        if (location?.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}
