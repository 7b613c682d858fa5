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
    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(),
            Arguments.Items.Select((a, i) => new System.Collections.Generic.KeyValuePair<string, string?>(i.ToString(System.Globalization.CultureInfo.InvariantCulture), a))
                .ToImmutableDictionary(),
            Arguments.Items.ToArray<object>());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;
}
