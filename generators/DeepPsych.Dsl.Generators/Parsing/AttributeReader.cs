using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Reads one layer attribute's arguments for a kind's <c>Read</c>: the constructor argument and named options,
/// each with the default the attribute class itself declares (the kinds pass <c>new XAttribute(..).Option</c>).</summary>
internal sealed class AttributeReader(AttributeData attribute)
{
    // Arrays keep their TypedConstant (TypedConstant.Value throws for an array); scalars their value.
    private readonly Dictionary<string, object?> _named = attribute.NamedArguments.ToDictionary(p => p.Key, p => p.Value.Kind == TypedConstantKind.Array ? p.Value : p.Value.Value);

    private object? Constructor => attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value : null;

    public int ConstructorInt => Constructor is int i ? i : 0;
    /// <summary>The constructor argument at <paramref name="index"/> as an int (0 when absent), for kinds with several.</summary>
    public int ConstructorIntAt(int index) => index < attribute.ConstructorArguments.Length && attribute.ConstructorArguments[index].Value is int i ? i : 0;
    public double ConstructorDouble => Constructor is double d ? d : 0;
    public Act ConstructorAct => (Act)ConstructorInt;

    /// <summary>Whether the attribute declares the named option at all (to tell a declared default from an omitted one).</summary>
    public bool Has(string name) => _named.ContainsKey(name);

    public int Int(string name, int fallback) => _named.TryGetValue(name, out var v) && v is int i ? i : fallback;
    /// <summary>An int[] option (elements that are not ints read as 0, so the kind's checks report them), or the fallback.</summary>
    public int[] Ints(string name, int[] fallback)
        => _named.TryGetValue(name, out var v) && v is TypedConstant { Kind: TypedConstantKind.Array, IsNull: false } array
            ? array.Values.Select(e => e.Value is int i ? i : 0).ToArray()
            : fallback;
    public bool Bool(string name, bool fallback) => _named.TryGetValue(name, out var v) && v is bool b ? b : fallback;
    public float Float(string name, float fallback) => _named.TryGetValue(name, out var v) && v is float f ? f : fallback;
    public Act Act(string name, Act fallback) => (Act)Int(name, (int)fallback);
    public Init Init(string name, Init fallback) => (Init)Int(name, (int)fallback);
}
