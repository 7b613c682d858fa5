using Microsoft.CodeAnalysis.CSharp;

namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Names from the user's code written back as C# identifiers. A symbol's name has no '@' (<c>@class</c> is
/// named "class"), so a keyword must get it back wherever the name stands alone: the class declaration and its
/// constructor, enclosing types, layer properties. Names with a prefix or suffix (<c>_event</c>, <c>eventSize</c>)
/// and names inside strings (checkpoint names, <c>Name</c>) stay as they are.</summary>
internal static class Identifier
{
    public static string Escape(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
