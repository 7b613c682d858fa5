using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Stage 1, before the parser: declarations the generator cannot complete. Each is a diagnostic here instead of
/// generated code that does not compile (or nothing at all): a [Network] that is not a class, a generic or static
/// network, a primary constructor or a parameterless constructor of the user's own (the generator declares that one),
/// and user members or a class name that collide with the members every network gets. A declaration whose attributes
/// already carry a compiler error of the user's own (e.g. a named argument given twice, CS0643) produces nothing, so
/// that error is the only one the user sees; so does [Network] on two partial declarations of one type (CS0579).</summary>
internal static class DeclarationChecks
{
    /// <summary>A result that stops the pipeline for this declaration, or null when the parser may proceed.</summary>
    public static ParseResult? Check(GeneratorAttributeSyntaxContext context, CancellationToken ct)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var at = LocationInfo.From(declaration.Identifier.GetLocation());
        ParseResult Stop(DiagnosticInfo? diagnostic) =>
            new(null, (diagnostic is null ? new DiagnosticInfo[0] : new[] { diagnostic }).ToEquatableArray());
        // A plain partial class with a constructor or member the generator cannot complete around still gets the
        // stubs (NetworkEmitter.Stub.cs), so that the DPD error is the only one; the other shapes cannot take them.
        ParseResult StopWithStubs(DiagnosticInfo diagnostic) => Stop(diagnostic) with
        {
            Shell = NetworkParser.FirstNotPartial(type, ct) is null ? NetworkParser.Shell(type, ct) : null,
        };
        DiagnosticInfo Unsupported(string what, string fix) =>
            DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkDeclaration, at, type.Name, what, fix);

        if (type.IsRecord || type.TypeKind != TypeKind.Class)
        {
            string kind = type.IsRecord ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record") : type.TypeKind.ToString().ToLowerInvariant();
            return Stop(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkNotAClass, at, type.Name, kind));
        }
        if (HasUserAttributeErrors(type)) return Stop(null);
        if (type.IsStatic)
            return Stop(Unsupported("is static", "remove 'static': a network is an object with its own parameters"));
        if (declaration.Modifiers.Any(SyntaxKind.FileKeyword))
            return Stop(Unsupported("is file-local ('file' modifier), but its generated part is another file",
                "make it 'internal' (or public) instead of 'file'"));
        if (type.TypeParameters.Length > 0)
            return Stop(Unsupported($"is generic ({type.Name}<{string.Join(", ", type.TypeParameters.Select(p => p.Name))}>)",
                "remove the type parameters; a network's layers and shapes are fixed at compile time (an enclosing class may be generic)"));
        foreach (var reference in type.DeclaringSyntaxReferences)
            if (reference.GetSyntax(ct) is TypeDeclarationSyntax { ParameterList: { } parameters } part)
                return StopWithStubs(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkDeclaration, LocationInfo.From(parameters), type.Name,
                    $"has a primary constructor {parameters}",
                    "remove the parameter list; the generator declares the parameterless constructor, and a constructor of your own can chain to it with ': this()'"));
        if (NetworkParser.ReservedNames.Contains(type.Name))
            return Stop(Unsupported($"has the name of a member every network gets ({type.Name})", "rename the class"));
        foreach (var member in type.GetMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared || member.DeclaringSyntaxReferences.Length == 0) continue;
            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, Parameters.Length: 0, IsStatic: false } constructor)
                return StopWithStubs(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkDeclaration, LocationInfo.From(constructor.Locations.FirstOrDefault()) ?? at, type.Name,
                    "declares a parameterless constructor",
                    "remove it: the generator declares that constructor; declare one with parameters that chains to it with ': this()' instead"));
            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } userConstructor
                && userConstructor.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<ConstructorDeclarationSyntax>()
                    .Any(c => c.Initializer is null || !c.Initializer.IsKind(SyntaxKind.ThisConstructorInitializer)))
                return StopWithStubs(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkDeclaration, LocationInfo.From(userConstructor.Locations.FirstOrDefault()) ?? at, type.Name,
                    $"declares constructor {type.Name}({string.Join(", ", userConstructor.Parameters.Select(p => p.Type.ToDisplayString()))}), which does not chain to the generated constructor, so the layers would stay unset",
                    "add ': this()' to it"));
            if (NetworkParser.ReservedNames.Contains(member.Name) && !IsLayerProperty(member) && !ForwardReader.IsGraphForward(member))
                return StopWithStubs(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkDeclaration, LocationInfo.From(member.Locations.FirstOrDefault()) ?? at, type.Name,
                    $"declares {member.Kind.ToString().ToLowerInvariant()} '{member.Name}', which every network gets from the generator",
                    $"rename '{member.Name}'"));
        }
        return null;
    }

    /// <summary>Layer properties with a reserved name are the parser's to report (DPD0010).</summary>
    private static bool IsLayerProperty(ISymbol member)
        => member is IPropertySymbol && member.GetAttributes().Any(a => a.AttributeClass is { } c && IsLayerAttribute(c));

    /// <summary>Whether <paramref name="attribute"/> derives from DeepPsych.Dsl.LayerAttribute.</summary>
    public static bool IsLayerAttribute(INamedTypeSymbol attribute)
    {
        for (var t = attribute.BaseType; t is not null; t = t.BaseType)
            if (t.Name == "LayerAttribute" && t.ContainingNamespace?.ToDisplayString() == "DeepPsych.Dsl") return true;
        return false;
    }

    /// <summary>The user's own compiler errors in the attributes of the class or its members: [Network] twice (CS0579), a
    /// named argument given twice (CS0643), or an argument that is not a constant (it then binds with error values).</summary>
    private static bool HasUserAttributeErrors(INamedTypeSymbol type)
    {
        // [Network] on two partial declarations of one type (CS0579): each would otherwise produce the same file.
        if (type.GetAttributes().Count(a => a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName) > 1) return true;
        IEnumerable<AttributeData> attributes = type.GetAttributes();
        foreach (var member in type.GetMembers()) attributes = attributes.Concat(member.GetAttributes());
        foreach (var a in attributes)
        {
            if (a.AttributeClass is null || a.AttributeClass.TypeKind == TypeKind.Error || a.AttributeConstructor is null) return true;
            var names = new HashSet<string>();
            foreach (var named in a.NamedArguments)
                if (!names.Add(named.Key) || named.Value.Kind == TypedConstantKind.Error) return true;
            if (a.ConstructorArguments.Any(c => c.Kind == TypedConstantKind.Error)) return true;
        }
        return false;
    }

    /// <summary>Layer-attributed properties in a type without [Network] get nothing from the generator: say so.</summary>
    public static DiagnosticInfo? LayerOutsideNetwork(GeneratorSyntaxContext context, CancellationToken ct)
    {
        var property = (PropertyDeclarationSyntax)context.Node;
        if (context.SemanticModel.GetDeclaredSymbol(property, ct) is not IPropertySymbol symbol) return null;
        var layer = symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } c && IsLayerAttribute(c));
        if (layer is null) return null;
        var owner = symbol.ContainingType;
        if (owner.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName)) return null;
        if (BlockReader.IsBlock(owner) && owner.TypeKind == TypeKind.Class && !owner.IsRecord) return null;   // its own check covers it
        string kind = owner.IsRecord ? (owner.TypeKind == TypeKind.Struct ? "record struct" : "record") : owner.TypeKind.ToString().ToLowerInvariant();
        return DiagnosticInfo.Create(DiagnosticDescriptors.LayerOutsideNetwork,
            LocationInfo.From(layer.ApplicationSyntaxReference?.GetSyntax(ct)) ?? LocationInfo.From(property.Identifier.GetLocation()),
            symbol.Name, layer.AttributeClass!.Name.Replace("Attribute", ""), kind, owner.Name);
    }
}
