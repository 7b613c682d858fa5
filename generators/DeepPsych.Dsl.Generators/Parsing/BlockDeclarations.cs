using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>What the generator adds to a [Block] class: the <c>Block</c> base, its layer properties (returning the layer
/// the network attached) and <c>ConstructorArguments</c>. Symbol-free and equatable.</summary>
internal sealed record BlockPlan(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    bool AddBase,
    EquatableArray<BlockLayerProperty> Layers,
    EquatableArray<string> Parameters);

/// <summary>A layer property of a block: its modifiers as written (see <see cref="LayerSpec.Modifiers"/>), handle type, name.</summary>
internal sealed record BlockLayerProperty(string Modifiers, string HandleType, string Name);

internal sealed record BlockParseResult(BlockPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Checks a [Block] class's own declaration (once, however many networks use it): a partial, non-generic,
/// non-static class with a <c>Tensor Forward(Tensor x)</c> and well-formed layer properties. The networks that use it
/// inline its graph (<see cref="ForwardReader"/>) and report the shape errors of each use.</summary>
internal static class BlockDeclarations
{
    public static BlockParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken ct)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var at = LocationInfo.From(declaration.Identifier.GetLocation());
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        BlockParseResult Stop(string what, string fix)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockDeclarationNotSupported, at, type.Name, what, fix));
            return new BlockParseResult(null, diagnostics.ToEquatableArray());
        }

        if (type.IsRecord || type.TypeKind != TypeKind.Class) return Stop("is not a class", "declare it as 'partial class'");
        for (var t = type; t is not null; t = t.ContainingType)
            if (!t.DeclaringSyntaxReferences.Any(r => r.GetSyntax(ct) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return Stop(SymbolEqualityComparer.Default.Equals(t, type) ? "is not partial" : $"is inside '{t.Name}', which is not partial", "add the 'partial' modifier so the generator can add its layer properties");
        if (type.IsStatic) return Stop("is static", "remove 'static': each use of a block is an object");
        if (type.TypeParameters.Length > 0) return Stop("is generic", "remove the type parameters; size a block with constructor parameters and Bind");
        bool addBase = type.BaseType is null || type.BaseType.SpecialType == SpecialType.System_Object;
        if (!addBase && type.BaseType!.ToDisplayString() != typeof(LayerAttribute).Namespace + ".Block")
            return Stop($"derives from {type.BaseType.Name}", "remove the base class: the generator makes a block derive from DeepPsych.Dsl.Block");
        if (ForwardReader.Find(type, ct) is null)   // reported, and the layer properties still get their part (one error, not one per property)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockDeclarationNotSupported, at, type.Name, "declares no Forward",
                "declare 'public Tensor Forward(Tensor x)' saying how its layers connect (docs/graphs.md)"));

        var layers = new List<BlockLayerProperty>();
        foreach (var property in NetworkParser.OrderedProperties(type, ct))
        {
            if (BlockReader.BlockTypeOf(property) is not null) continue;
            if (NetworkParser.ParseLayer(property, diagnostics, ct) is { } layer)
                layers.Add(new BlockLayerProperty(layer.Spec.Modifiers, layer.Spec.Options.Kind.HandleType, property.Name));
        }

        var parameters = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<TypeDeclarationSyntax>()
            .Select(d => d.ParameterList).FirstOrDefault(p => p is not null)?.Parameters.Select(p => p.Identifier.Text) ?? [];
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        var containing = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) containing.Insert(0, NetworkParser.Declaration(t));
        var plan = new BlockPlan(ns.Length == 0 ? null : ns, containing.ToEquatableArray(), type.Name, addBase, layers.ToEquatableArray(), parameters.ToEquatableArray());
        return new BlockParseResult(plan, diagnostics.ToEquatableArray());
    }
}
