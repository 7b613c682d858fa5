using System.Globalization;
using System.Text;

namespace DeepPsych.Dsl.Generators.Tests.Fuzz;

/// <summary>One random input: its source text and the features it was built from (a known gap is named by a feature).</summary>
public sealed record FuzzCase(int Seed, string Source, IReadOnlySet<string> Features)
{
    public override string ToString() => $"seed {Seed} [{string.Join(", ", Features.Order())}]\n{Source}";
}

/// <summary>Seeded generator of network declarations for the generator's property test: sane networks and broken ones,
/// odd syntax, extreme numbers, name collisions with what the generator emits, nesting, generics, records, structs,
/// primary constructors, modifiers, layer attributes outside a [Network] class, and random character-level mutations.
/// Each case records the features it was built from, so a known gap (<see cref="KnownGaps"/>) names exactly the class of
/// inputs it excludes.</summary>
public sealed class DeclarationFuzzer
{
    private readonly Random _random;
    private readonly HashSet<string> _features = [];

    // Scrambled: System.Random's first outputs for neighbouring seeds are correlated, which narrowed a seed range's cases.
    private DeclarationFuzzer(int seed) => _random = new Random((int)Scramble((uint)seed));

    private static uint Scramble(uint x)
    {
        x ^= x >> 16; x *= 0x7feb352d;
        x ^= x >> 15; x *= 0x846ca68b;
        return x ^ (x >> 16);
    }

    /// <summary>The case for <paramref name="seed"/>: the same seed always gives the same case.</summary>
    public static FuzzCase Case(int seed) => new DeclarationFuzzer(seed).Next(seed);

    private FuzzCase Next(int seed)
    {
        var sb = new StringBuilder();
        if (Chance(0.7)) sb.Append("#nullable enable\n");
        sb.Append("using DeepPsych.Dsl;\n");
        if (Chance(0.05) && Feature("user-type-shadows-runtime-name")) sb.Append(Pick(ShadowingTypes)).Append('\n');

        int networks = Chance(0.1) ? 2 : 1;
        var namespaces = new List<string?>();
        for (int n = 0; n < networks; n++)
        {
            string? ns = Namespace();
            // Same-named types in different namespaces, or a second network in the same one.
            if (n == 1 && Chance(0.5)) { ns = namespaces[0]; Feature("two-networks-same-namespace"); }
            namespaces.Add(ns);
        }
        string? firstName = null;
        for (int n = 0; n < networks; n++)
        {
            string ns = namespaces[n] ?? "";
            if (ns.Length > 0) sb.Append("namespace ").Append(ns).Append("\n{\n");
            string body = Network(ref firstName, n);
            sb.Append(body);
            if (ns.Length > 0) sb.Append("}\n");
        }
        if (Chance(0.05)) sb.Append(StrayLayerClass());
        // Base classes whose visible members the generated ones would hide (a base list ": Base" picks them).
        if (_features.Contains("base-list:Base")) sb.Append("public class Base { protected int _threads; public int L0Size; public string Note = \"\"; }\n");
        string source = sb.ToString();
        if (Chance(0.05)) source = Mutate(source);
        return new FuzzCase(seed, source, new HashSet<string>(_features));
    }

    // ----- pieces -----

    private static readonly string[] ShadowingTypes =
    [
        "public class Shards { }", "public class WorkerPool { }", "public class Workspace { }", "public static class Math { }",
        "public class Environment { }", "public class Array { }", "public struct Span<T> { }", "public class Action<T> { }",
        "public class ParameterInitializer { }", "public class Layer { }", "namespace DeepPsych { public class Dsl { } }", "public class System { }",
    ];

    private string? Namespace()
    {
        return _random.Next(8) switch
        {
            0 or 1 => null,
            2 => Feature("namespace:@class") ? "@class" : "",
            3 => "A.B" + _random.Next(3),
            4 => "Outer.@event",
            _ => "Nets" + _random.Next(3),
        };
    }

    private static readonly string[] ClassNames = ["Net", "Mlp", "LeNet", "NET", "net", "@Net", "Tiny", "Δnet", "_Net1"];

    /// <summary>Class names that collide with what the generator emits or uses.</summary>
    private static readonly string[] HostileClassNames = ["@class", "Forward", "Parameters", "Shards", "Dense", "Workspace", "Act", "Layer", "Loss"];

    private string Network(ref string? firstName, int index)
    {
        var sb = new StringBuilder();
        int depth = Chance(0.25) ? 1 + _random.Next(2) : 0;
        var closers = new List<string>();
        for (int d = 0; d < depth; d++)
        {
            string container = Pick(["public partial class Outer", "partial struct Holder", "public partial record Rec", "partial record struct RS",
                "public partial class Gen<T>", "public static partial class Stat", "internal partial class Outer2<TKey, TValue> where TKey : notnull",
                "public class NotPartial", "file partial class FileHost"]);
            Feature("container:" + container.Split(' ').Last(s => s.Length > 0 && !s.Contains(':') && s != "notnull"));
            sb.Append(container).Append("\n{\n");
            closers.Add("}\n");
        }

        string name = Chance(0.15) ? Pick(HostileClassNames) : Pick(ClassNames);
        if (index == 1 && firstName is not null && Chance(0.5)) { name = firstName; Feature("same-name-twice"); }
        if (index == 1 && firstName is not null && Chance(0.2)) { name = firstName.ToUpperInvariant(); Feature("names-differ-in-case"); }
        firstName ??= name;
        Feature("class:" + name);

        string input = Input();
        string loss = Chance(0.2) ? ", Loss = Loss.MeanSquaredError" : Chance(0.02) && Feature("loss:(Loss)7") ? ", Loss = (Loss)7" : "";
        bool hasNetwork = !Chance(0.04);
        if (hasNetwork) sb.Append($"[Network({input}{loss})]\n"); else Feature("no-network-attribute");

        string access = depth > 0 ? Pick(["public ", "internal ", "private ", "protected ", "", "protected internal "]) : Pick(["public ", "internal ", "", "file "]);
        if (access == "file ") Feature("file-local-class");
        string modifiers = Pick(["", "", "", "sealed ", "abstract ", "static ", "unsafe ", "new "]);
        if (modifiers.Length > 0) Feature("modifier:" + modifiers.Trim());
        string kind = _random.Next(20) switch
        {
            0 => "record",
            1 => "record struct",
            2 => "struct",
            3 => "record class",
            _ => "class",
        };
        if (kind != "class") Feature("kind:" + kind);
        bool partial = !Chance(0.03);
        if (!partial) Feature("not-partial");
        string typeParameters = Chance(0.05) ? "<T>" : "";
        if (typeParameters.Length > 0) Feature("generic-network");
        string parameterList = Chance(0.05) ? Pick(["(int seed)", "()", "(string name, int size = 3)"]) : "";
        if (parameterList.Length > 0) Feature("primary-constructor");
        string baseList = Chance(0.05) ? Pick([" : System.IDisposable", " : object", " : Base"]) : "";
        if (baseList.Length > 0) Feature("base-list" + baseList.Replace(" ", ""));
        if (index == 1 && Chance(0.1)) { baseList = " : " + (firstName ?? "object").TrimStart('@'); Feature("derives-from-first-network"); }

        sb.Append($"{access}{modifiers}{(partial ? "partial " : "")}{kind} {name}{typeParameters}{parameterList}{baseList}\n{{\n");
        if (baseList.Contains("IDisposable")) sb.Append("    public void Dispose() { }\n");

        int layers = _random.Next(8);
        var usedNames = new List<string>();
        for (int l = 0; l < layers; l++) sb.Append("    ").Append(Layer(l, usedNames)).Append('\n');
        if (Chance(0.2)) sb.Append("    ").Append(UserMember(name)).Append('\n');
        if (Chance(0.1)) sb.Append("    ").Append(UserMember(name)).Append('\n');
        sb.Append("}\n");
        foreach (var c in closers) sb.Append(c);
        return sb.ToString();
    }

    private string Input()
    {
        if (Chance(0.04)) { Feature("input-missing"); return ""; }
        int rank = _random.Next(10) switch { 0 => 2, 1 => 0, < 5 => 1, _ => 3 };
        var sizes = new List<string>();
        for (int i = 0; i < rank; i++) sizes.Add(Size(i == 0 && rank == 3 ? 4 : 40));
        return rank == 0 ? "Input = new int[0]" : $"Input = new[] {{ {string.Join(", ", sizes)} }}";
    }

    private string Size(int typical)
    {
        if (!Chance(0.025)) return (1 + _random.Next(typical)).ToString(CultureInfo.InvariantCulture);
        return Extreme(Pick(["0", "-3", "int.MaxValue", "65536", "1 << 20", "46341"]));
    }

    private string Extreme(string value)
    {
        Feature("extreme-size:" + value);
        return value;
    }

    private static readonly string[] LayerNames =
        ["C1", "S2", "Hidden", "Out", "Output", "F5", "@event", "layer_1", "Δ", "Forward", "Parameters", "Name", "Shards", "Workspace",
         "Dense", "Conv2D", "Pool", "Dispose", "Equals", "ToString", "GetHashCode", "Item", "_C1", "C1Weight", "HiddenSize", "s_inputShape"];

    private string Layer(int index, List<string> used)
    {
        string name = Chance(0.95) ? $"L{index}" : Pick(LayerNames);
        if (used.Contains(name)) Feature("duplicate-layer-name");
        used.Add(name);
        if (!name.StartsWith('L') || name.Length > 3) Feature("layer-name:" + name);

        var (attribute, handle) = _random.Next(9) switch
        {
            0 or 1 => ($"Dense({Size(64)}{Opt("Activation", () => Act())}{Opt("Bias", () => "false")}{Opt("LeakySlope", () => Float())}{Opt("Init", () => Chance(0.1) ? Extreme("(Init)9") : "Init.He")})", "Dense"),
            2 or 3 => ($"Conv2D({Size(8)}{Opt("Kernel", () => Small())}{Opt("Padding", () => Small())}{Opt("Stride", () => Small())}{Opt("Dilation", () => Small())}{Opt("Groups", () => Small())}{Opt("Activation", () => Act())}{Opt("LeakySlope", () => Float())})", "Conv2D"),
            4 => ($"MaxPool2D({Small()}{Opt("Stride", () => Small())}{Opt("Padding", () => Small())})", "Pool"),
            5 => ($"AvgPool2D({Small()}{Opt("Stride", () => Small())}{Opt("Padding", () => Small())}{Opt("CountIncludePad", () => "false")})", "Pool"),
            6 => (Chance(0.5) ? "Flatten" : "GlobalAvgPool", Chance(0.5) ? "Flatten" : "Pool"),
            7 => ($"Activation({Act()}{Opt("LeakySlope", () => Float())})", "Activation"),
            _ => ($"Dropout({Rate()})", "Dropout"),
        };
        if (Chance(0.02)) { attribute = attribute.Replace(")", ", LeakySlope = 0.2f, LeakySlope = 0.2f)"); Feature("duplicate-named-argument"); }
        if (Chance(0.03)) { handle = Pick(["Dense", "Pool", "Conv2D", "int", "object"]); Feature("handle-type-maybe-wrong"); }

        string access = Chance(0.01) ? "" : Pick(["public ", "public ", "public ", "internal ", "private ", "protected "]);
        if (access.Length == 0) Feature("layer-access:none");
        string modifier = _random.Next(150) switch
        {
            0 => Mod("new "),
            1 => Mod("virtual "),
            2 => Mod("static "),
            3 => Mod("required "),
            4 => Mod("sealed "),
            5 => Mod("override "),
            6 => Mod("new virtual "),
            _ => "",
        };
        string accessors = _random.Next(40) switch
        {
            0 => Mod("{ get; set; }"),
            1 => Mod("{ get; init; }"),
            2 => Mod("=> null!;"),
            _ => "{ get; }",
        };
        bool partial = !Chance(0.02);
        if (!partial) Feature("layer-not-partial");
        return $"[{attribute}] {access}{modifier}{(partial ? "partial " : "")}{handle} {name} {accessors}";
    }

    private string Mod(string modifier)
    {
        Feature("layer-modifier:" + modifier.Trim());
        return modifier;
    }

    /// <summary>An optional named argument; its value (and the features it records) is only produced when it is used.</summary>
    private string Opt(string name, Func<string> value) => Chance(0.3) ? $", {name} = {value()}" : "";

    private string Small() => Chance(0.025) ? Extreme(Pick(["0", "-1", "int.MaxValue", "100000"])) : (1 + _random.Next(5)).ToString(CultureInfo.InvariantCulture);

    private string Act() => Chance(0.02) ? Extreme("(Act)42") : Pick(["Act.ReLU", "Act.Sigmoid", "Act.Tanh", "Act.LeakyReLU", "Act.Softplus", "Act.None", "Act.Step"]);

    private string Float() => _random.Next(12) switch
    {
        0 when Chance(0.1) => FloatFeature("float.NaN"),
        1 when Chance(0.1) => FloatFeature("float.PositiveInfinity"),
        2 when Chance(0.1) => FloatFeature("float.NegativeInfinity"),
        3 => FloatFeature("1e-45f"),
        4 => FloatFeature("-0f"),
        5 => FloatFeature("3.4028235E+38f"),
        6 => FloatFeature("0.1f"),
        7 => FloatFeature("-2f"),
        _ => "0.2f",
    };

    private string FloatFeature(string literal)
    {
        Feature("float:" + literal);
        return literal;
    }

    private string Rate() => _random.Next(12) switch
    {
        0 => Extreme("0.99999999999"),
        1 => Extreme("1.0"),
        2 => Extreme("-0.5"),
        3 => Extreme("double.NaN"),
        4 => Extreme("0"),
        5 => Extreme("1e-300"),
        _ => "0.5",
    };

    private string UserMember(string className)
    {
        string member = Pick([
            "private int _count;",
            "public string? Note { get; set; }",
            "public string Label { get; set; }",
            "public void Forward() { }",
            "public int Parameters => 1;",
            "public static int Shards;",
            "public class Workspace { }",
            $"public {className.TrimStart('@')}(int seed) : this() {{ Seed = seed; }}",
            $"public {className.TrimStart('@')}(int seed) {{ }}",
            $"public {className.TrimStart('@')}() {{ }}",
            $"static {className.TrimStart('@')}() {{ }}",
            "public override string ToString() => \"x\";",
            "private readonly float[] _parameters = new float[1];",
            "private int _threads;",
            "public event System.Action? Changed;",
            "public int this[int i] => i;",
            "public const int InputLength = 5;",
            "private void TrainShard(int s) { }",
            // Names the generated code derives from the layers (L0, L1, …): DPD0040 when such a layer exists.
            "private int L0Size;",
            "private readonly object _L1 = new();",
            "public void L0Weight() { }",
            "private static int L1Geometry;",
            "public const int L0BiasOffset = 1;",
            "private void ForwardPass() { }",
        ]);
        Feature("user-member:" + member);
        return member;
    }

    private string StrayLayerClass()
    {
        Feature("layer-outside-network");
        return Pick([
            "public partial class Stray { [Activation(Act.Softplus)] public partial Activation A { get; } }\n",
            "public partial record StrayRecord { [Dense(120)] public partial Dense D { get; } }\n",
            "public partial struct StrayStruct { [Flatten] public partial Flatten F { get; } }\n",
        ]);
    }

    private string Mutate(string source)
    {
        Feature("syntax-mutation");
        var chars = new StringBuilder(source);
        int edits = 1 + _random.Next(3);
        for (int i = 0; i < edits && chars.Length > 0; i++)
        {
            int at = _random.Next(chars.Length);
            switch (_random.Next(4))
            {
                case 0: chars.Remove(at, 1); break;
                case 1: chars.Insert(at, Pick(["}", "{", ";", "(", ")", "[", "]", ",", "\"", "/*", "@", "#"])); break;
                case 2: chars[at] = Pick(['}', ' ', 'x', '0', ';']); break;
                default: chars.Insert(at, chars.ToString(at, Math.Min(12, chars.Length - at))); break;
            }
        }
        return chars.ToString();
    }

    // ----- helpers -----

    private bool Chance(double p) => _random.NextDouble() < p;

    private T Pick<T>(T[] options) => options[_random.Next(options.Length)];

    /// <summary>Records a feature of the case being built.</summary>
    private bool Feature(string name)
    {
        _features.Add(name);
        return true;
    }
}
