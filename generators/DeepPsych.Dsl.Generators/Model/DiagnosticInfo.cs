using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Model;

/// <summary>An equatable diagnostic waiting to be reported: descriptor id, location and formatted message arguments.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params object[] arguments)
        => new(descriptor, location, arguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToEquatableArray());

    /// <summary>The diagnostic, with its message arguments also as properties "0", "1", … so code fixes read the
    /// numbers (shapes, the expected type) instead of parsing the message.</summary>
    /// <param name="compilation">Where to find the syntax tree of the location, so that <c>#pragma warning disable</c> and
    /// editor squiggles apply; without it (or a tree of that path) the location is a file span.</param>
    public Diagnostic ToDiagnostic(Compilation? compilation = null)
        => Diagnostic.Create(Descriptor, Location?.ToLocation(compilation),
            Arguments.Items.Select((a, i) => new System.Collections.Generic.KeyValuePair<string, string?>(i.ToString(System.Globalization.CultureInfo.InvariantCulture), a))
                .ToImmutableDictionary(),
            Arguments.Items.ToArray<object>());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
}
