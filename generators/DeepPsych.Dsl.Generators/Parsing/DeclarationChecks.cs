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
        if (UndefinedEnumValues(type, ct).ToArray() is { Length: > 0 } undefined) return new(null, undefined.ToEquatableArray());
        if (type.IsStatic)
            return Stop(Unsupported("is static", "remove 'static': a network is an object with its own parameters"));
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.IsFileLocal)
                return Stop(Unsupported(ReferenceEquals(t, type) ? "is file-local ('file' modifier), but its generated part is another file"
                        : $"is nested in the file-local type '{t.Name}' ('file' modifier), but its generated part is another file",
                    $"make '{t.Name}' 'internal' (or public) instead of 'file'"));
        for (var b = type.BaseType; b is not null; b = b.BaseType)
            if (b.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkParser.NetworkAttributeName))
                return Stop(Unsupported($"derives from the network '{b.Name}', whose generated members it would hide (the generated code is per class)",
                    $"derive both from a base class without [Network], or declare the layers of '{b.Name}' in '{type.Name}' too"));
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

    /// <summary>The modifiers of a layer property as written, except 'partial', for its generated part: C# requires
    /// both parts of a partial property to have the same accessibility (none included, CS8799) and the same 'new',
    /// 'virtual', 'sealed', 'override' and the rest (CS8800). Whatever is wrong with them is the user's own error.</summary>
    public static string MirroredModifiers(PropertyDeclarationSyntax property)
        => string.Join(" ", property.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));

    /// <summary>The class's members other than its layers and its graph Forward, for DPD0040 (<see cref="EmittedNames"/>):
    /// fields, properties, events, ordinary methods and nested types declared in source, and those a base class declares
    /// that the class can see (a generated member of the same name would hide them: CS0108).</summary>
    public static EquatableArray<UserMember> UserMembers(INamedTypeSymbol type)
    {
        static string Kind(ISymbol m) => m switch
        {
            IFieldSymbol { IsConst: true } => "constant",
            IFieldSymbol => "field",
            IPropertySymbol => "property",
            IEventSymbol => "event",
            INamedTypeSymbol => "nested type",
            _ => "method",
        };
        static bool IsMember(ISymbol m) => !m.IsImplicitlyDeclared
            && m is IFieldSymbol or IPropertySymbol or IEventSymbol or INamedTypeSymbol or IMethodSymbol { MethodKind: MethodKind.Ordinary };

        var own = type.GetMembers()
            .Where(m => IsMember(m) && m.DeclaringSyntaxReferences.Length > 0 && !IsLayerProperty(m) && !ForwardReader.IsGraphForward(m))
            .Select(m => new UserMember(m.Name, "your " + Kind(m), LocationInfo.From(m.Locations.FirstOrDefault())));
        // Inherited members are reported on the base list that brings them in.
        var baseList = type.DeclaringSyntaxReferences.Select(r => r.GetSyntax()).OfType<TypeDeclarationSyntax>().Select(d => d.BaseList).FirstOrDefault(l => l is not null);
        var at = LocationInfo.From(baseList) ?? LocationInfo.From(type.Locations.FirstOrDefault());
        var inherited = new List<UserMember>();
        for (var b = type.BaseType; b is not null && b.SpecialType != SpecialType.System_Object; b = b.BaseType)
            foreach (var m in b.GetMembers().Where(m => IsMember(m) && m.DeclaredAccessibility != Accessibility.Private && !m.IsOverride))
                inherited.Add(new UserMember(m.Name, $"the {Kind(m)} inherited from '{b.Name}'", at));
        return own.Concat(inherited).ToEquatableArray();
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

    /// <summary>DPD0041 for every argument of a DeepPsych.Dsl attribute on the class or its members whose enum value is no
    /// member of its enum (<c>Loss = (Loss)7</c>, <c>Activation = (Act)42</c>): the generated code names each value.</summary>
    private static IEnumerable<DiagnosticInfo> UndefinedEnumValues(INamedTypeSymbol type, CancellationToken ct)
    {
        string contract = typeof(NetworkAttribute).Namespace!;
        foreach (var owner in new ISymbol[] { type }.Concat(type.GetMembers()))
        {
            foreach (var a in owner.GetAttributes())
            {
                ct.ThrowIfCancellationRequested();
                if (a.AttributeClass?.ContainingNamespace?.ToDisplayString() != contract || a.AttributeConstructor is null) continue;
                var syntax = a.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
                var positional = syntax?.ArgumentList?.Arguments.Where(x => x.NameEquals is null && x.NameColon is null).ToList();
                var arguments = a.ConstructorArguments
                    .Select((value, i) => (Name: a.AttributeConstructor.Parameters[i].Name, Value: value,
                        Syntax: positional is not null && i < positional.Count ? positional[i] : null))
                    .Concat(a.NamedArguments.Select(n => (Name: n.Key, n.Value,
                        Syntax: syntax?.ArgumentList?.Arguments.FirstOrDefault(x => x.NameEquals?.Name.Identifier.ValueText == n.Key))));
                foreach (var (name, value, argument) in arguments)
                {
                    if (value.Kind != TypedConstantKind.Enum || value.Type is not INamedTypeSymbol enumType) continue;
                    if (enumType.GetAttributes().Any(f => f.AttributeClass?.ToDisplayString() == "System.FlagsAttribute")) continue;
                    var members = enumType.GetMembers().OfType<IFieldSymbol>().Where(f => f.HasConstantValue).ToList();
                    if (members.Any(f => Equals(f.ConstantValue, value.Value))) continue;
                    yield return DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedEnumValue,
                        LocationInfo.From(argument?.Expression ?? (SyntaxNode?)syntax) ?? LocationInfo.From(type.Locations.FirstOrDefault()),
                        ReferenceEquals(owner, type) ? $"Network '{type.Name}'" : owner.Name, name,
                        argument?.Expression.ToString() ?? Convert.ToString(value.Value, System.Globalization.CultureInfo.InvariantCulture),
                        enumType.Name, string.Join(", ", members.Select(f => $"{enumType.Name}.{f.Name}")));
                }
            }
        }
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
