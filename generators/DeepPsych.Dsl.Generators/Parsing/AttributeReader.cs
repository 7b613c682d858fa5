using System.Globalization;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Reads one layer attribute's arguments for a kind's <c>Read</c>: the constructor arguments and named options,
/// each with the default the attribute class itself declares (the kinds pass <c>new XAttribute(..).Option</c>). In a
/// [Block], options bound to the block's parameters (<see cref="Bindings"/>) override what the attribute says.</summary>
internal sealed class AttributeReader(AttributeData attribute, IReadOnlyDictionary<string, object?>? bound = null)
{
    // Arrays keep their TypedConstant (TypedConstant.Value throws for an array); scalars their value.
    private readonly Dictionary<string, object?> _named = attribute.NamedArguments.ToDictionary(p => p.Key, p => p.Value.Kind == TypedConstantKind.Array ? p.Value : p.Value.Value);
    private readonly IReadOnlyDictionary<string, object?> _bound = bound ?? new Dictionary<string, object?>();

    /// <summary>The constructor parameters by position, from the attribute's longest constructor (so that
    /// <c>[Conv2D(Bind = "OutChannels = planes")]</c>, written with the parameterless one, binds the first).</summary>
    private readonly string[] _constructorNames = attribute.AttributeClass?.InstanceConstructors.OrderByDescending(c => c.Parameters.Length)
        .FirstOrDefault()?.Parameters.Select(p => p.Name).ToArray() ?? [];

    private object? ConstructorAt(int index)
    {
        if (index < _constructorNames.Length && _bound.TryGetValue(_constructorNames[index], out var b)) return b;
        return index < attribute.ConstructorArguments.Length ? attribute.ConstructorArguments[index].Value : null;
    }

    private object? Named(string name) => _bound.TryGetValue(name, out var b) ? b : _named.TryGetValue(name, out var v) ? v : null;

    public int ConstructorInt => ConstructorIntAt(0);
    /// <summary>The constructor argument at <paramref name="index"/> as an int (0 when absent), for kinds with several.</summary>
    public int ConstructorIntAt(int index) => ConstructorAt(index) is int i ? i : 0;
    public double ConstructorDouble => ConstructorAt(0) is { } v and (double or float or int) ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : 0;
    public Act ConstructorAct => (Act)ConstructorInt;

    /// <summary>Whether the attribute declares (or a block binds) the named option at all, to tell a declared default from an omitted one.</summary>
    public bool Has(string name) => _bound.ContainsKey(name) || _named.ContainsKey(name);

    public int Int(string name, int fallback) => Named(name) is int i ? i : fallback;
    /// <summary>An int[] option (elements that are not ints read as 0, so the kind's checks report them), or the fallback.</summary>
    public int[] Ints(string name, int[] fallback)
        => Named(name) is TypedConstant { Kind: TypedConstantKind.Array, IsNull: false } array ? array.Values.Select(e => e.Value is int i ? i : 0).ToArray() : fallback;
    public bool Bool(string name, bool fallback) => Named(name) is bool b ? b : fallback;
    public float Float(string name, float fallback) => Named(name) is { } v and (float or double or int) ? Convert.ToSingle(v, CultureInfo.InvariantCulture) : fallback;
    public Act Act(string name, Act fallback) => (Act)Int(name, (int)fallback);
    public Init Init(string name, Init fallback) => (Init)Int(name, (int)fallback);
}
