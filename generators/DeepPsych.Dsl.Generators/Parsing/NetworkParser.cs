using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Stage 1: reads a [Network] class and its attributed partial properties into a symbol-free <see cref="NetworkSpec"/>.
/// Only declaration-level problems are found here (not partial, wrong property form, unknown layers); shapes come later.</summary>
internal static class NetworkParser
{
    /// <summary>Metadata names from the linked contract types, so a rename there cannot leave a stale string here.</summary>
    public static readonly string NetworkAttributeName = typeof(NetworkAttribute).FullName!;
    private static readonly string LayerAttributeName = typeof(LayerAttribute).FullName!;
    private static readonly string Ns = typeof(NetworkAttribute).Namespace + ".";

    /// <summary>Members the generator emits; a layer may not take these names.</summary>
    internal static readonly ImmutableHashSet<string> ReservedNames = ImmutableHashSet.Create(
        "Name", "InputShape", "OutputShape", "InputLength", "OutputLength", "Loss", "ArchitectureHash", "Parameters",
        "Gradients", "ParameterTensors", "Layers", "Threads", "Seed", "Step", "InitializeParameters", "Forward",
        "ComputeGradients", "ZeroGradients", "FirstNonFiniteLayer", "Summary", "ParameterCount", "FlopsPerSample",
        "SummaryTable", "ArchitectureHashValue", "Workspace", "UseDevice", "DeviceBackend", "DeviceState", "DeviceWorkspace", "BackwardSource", "FreezeForInference");

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var classSyntax = (ClassDeclarationSyntax)context.TargetNode;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var classLocation = LocationInfo.From(classSyntax.Identifier.GetLocation());

        // The class and every class around it must be partial.
        if (FirstNotPartial(type, cancellationToken) is { } notPartial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkNotPartial, classLocation, notPartial.Name));
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        var shell = Shell(type, cancellationToken);

        var attribute = context.Attributes[0];
        var attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) ?? classLocation;
        var input = ImmutableArray<int>.Empty;
        var defaults = new NetworkAttribute();
        var loss = defaults.Loss;
        var classWeights = ImmutableArray<float>.Empty;
        int ignoreIndex = defaults.IgnoreIndex;
        bool weighted = false;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == nameof(NetworkAttribute.Input) && !named.Value.IsNull && named.Value.Kind == TypedConstantKind.Array)
                input = named.Value.Values.Select(v => v.Value is int i ? i : 0).ToImmutableArray();
            else if (named.Key == nameof(NetworkAttribute.Loss) && named.Value.Value is int l)
                loss = (Loss)l;
            else if (named.Key == nameof(NetworkAttribute.ClassWeights) && named.Value.Kind == TypedConstantKind.Array)
            {
                weighted = true;
                if (!named.Value.IsNull) classWeights = named.Value.Values.Select(v => v.Value is float f ? f : float.NaN).ToImmutableArray();
            }
            else if (named.Key == nameof(NetworkAttribute.IgnoreIndex) && named.Value.Value is int ignore)
                (ignoreIndex, weighted) = (ignore, true);
        }
        var weighting = weighted ? new LossWeighting(classWeights.ToEquatableArray(), ignoreIndex) : null;

        var layers = ImmutableArray.CreateBuilder<LayerDeclaration>();
        var blocks = new List<BlockProperty>();
        var ordinals = new Dictionary<string, int>();
        foreach (var property in OrderedProperties(type, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            ordinals[property.Name] = ordinals.Count;
            if (BlockReader.BlockTypeOf(property) is not null)
            {
                if (BlockReader.ReadProperty(property, context.SemanticModel.Compilation, new Dictionary<string, object?>(), diagnostics, cancellationToken) is { } block)
                    blocks.Add(block);
                continue;
            }
            var layer = ParseLayer(property, diagnostics, cancellationToken);
            if (layer is null) continue;
            layers.Add(layer);
            if (BindOutsideBlock(property, cancellationToken) is { } misplaced) diagnostics.Add(misplaced);
        }

        // A layer the parser refused is missing from the chain: shapes checked without it would report errors that are
        // only its echo (the layer after it reading the wrong input, the loss seeing the wrong output). Stop here.
        if (diagnostics.Any(d => d.IsError)) return new ParseResult(null, diagnostics.ToEquatableArray(), shell);

        // A Forward(Tensor) body says the graph (docs/graphs.md); without one, each layer reads the one before it (-1 is the network input).
        IEnumerable<LayerDeclaration> wired;
        var blockUses = new List<BlockUse>();
        if (ForwardReader.Find(type, cancellationToken) is { } forward)
        {
            if (ForwardReader.Read(forward, layers, blocks, ordinals, context.SemanticModel.Compilation, diagnostics, blockUses, cancellationToken) is not { } graph)
                return new ParseResult(null, diagnostics.Distinct().ToEquatableArray(), shell);
            wired = graph;
        }
        else if (blocks.Count > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockUseNotSupported, LocationInfo.From(blocks[0].Location), blocks[0].Name, blocks[0].BlockType.Name,
                "a network that holds blocks says how they connect in 'public Tensor Forward(Tensor x)' (docs/graphs.md)"));
            return new ParseResult(null, diagnostics.ToEquatableArray(), shell);
        }
        else
            wired = layers.Select((l, i) => l with { Spec = l.Spec with { Inputs = ImmutableArray.Create(i - 1).ToEquatableArray() } });

        var spec = new NetworkSpec(
            shell.Namespace,
            shell.ContainingTypes,
            type.Name,
            SyntaxFacts.GetText(type.DeclaredAccessibility) is { Length: > 0 } a ? a : "internal",
            attributeLocation,
            input.ToEquatableArray(),
            loss,
            wired.ToEquatableArray(),
            blockUses.ToEquatableArray(),
            DeclarationChecks.UserMembers(type),
            weighting,
            type.IsAbstract);
        return new ParseResult(spec, diagnostics.ToEquatableArray(), shell);
    }

    /// <summary>The network or an enclosing type that is not declared partial, or null.</summary>
    internal static INamedTypeSymbol? FirstNotPartial(INamedTypeSymbol type, CancellationToken ct)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (!t.DeclaringSyntaxReferences.Any(r => r.GetSyntax(ct) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword)))
                return t;
        return null;
    }

    private static readonly SymbolDisplayFormat TypeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The class and its partial properties that have no implementation part (layer properties, whatever their
    /// attribute or type): what a stub must implement when the network cannot be generated, and what the user declared
    /// that a stub must not declare again (member names, a parameterless or primary constructor). A property whose type
    /// does not bind (<c>partial GlobalAvgPool Gap</c>: CS0246, and DPD0012 names the type to use) is left out: no
    /// implementation can match an unbound type (a bound one is CS9255), so CS9248 stays beside the user's CS0246.</summary>
    internal static NetworkShell Shell(INamedTypeSymbol type, CancellationToken ct)
    {
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var containing = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) containing.Insert(0, Declaration(t));

        var properties = new List<PartialProperty>();
        foreach (var p in type.GetMembers().OfType<IPropertySymbol>())
        {
            if (!p.IsPartialDefinition || p.PartialImplementationPart is not null || p.IsIndexer) continue;
            if (p.Type.TypeKind == TypeKind.Error) continue;
            string typeName = p.Type.ToDisplayString(TypeFormat);
            string accessibility = SyntaxFacts.GetText(p.DeclaredAccessibility);
            string modifiers = (accessibility.Length > 0 ? accessibility : "private") + (p.IsStatic ? " static" : "") + (p.IsRequired ? " required" : "");
            var accessors = new List<string>();
            if (p.GetMethod is not null) accessors.Add("get");
            if (p.SetMethod is not null) accessors.Add(p.SetMethod.IsInitOnly ? "init" : "set");
            properties.Add(new PartialProperty(modifiers, typeName, p.Name, string.Join("; ", accessors)));
        }

        // Names a generated member may not take: the user's members, except constructors, accessors and the graph's
        // Forward(Tensor) (an overload of the generated Forward).
        var taken = type.GetMembers()
            .Where(m => !m.IsImplicitlyDeclared && m.DeclaringSyntaxReferences.Length > 0 && !ForwardReader.IsGraphForward(m)
                && m is not IMethodSymbol { MethodKind: not MethodKind.Ordinary })
            // A method get_X or set_X reserves X's accessor, so a generated property X is taken too (CS0082).
            .SelectMany(m => m is IMethodSymbol && (m.Name.StartsWith("get_", System.StringComparison.Ordinal) || m.Name.StartsWith("set_", System.StringComparison.Ordinal))
                ? new[] { m.Name, m.Name.Substring(4) } : new[] { m.Name })
            .Distinct().OrderBy(x => x, System.StringComparer.Ordinal);
        bool constructor = type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared && c.Parameters.Length == 0)
            || type.DeclaringSyntaxReferences.Any(r => r.GetSyntax(ct) is TypeDeclarationSyntax { ParameterList: not null });
        return new NetworkShell(ns, containing.ToEquatableArray(), type.Name, properties.ToEquatableArray(), taken.ToEquatableArray(), constructor);
    }


    /// <summary>How to reopen a containing type: "partial record struct Outer&lt;T&gt;".</summary>
    internal static string Declaration(INamedTypeSymbol t)
    {
        string keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record")
            : t.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", _ => "class" };
        string parameters = t.TypeParameters.Length > 0 ? "<" + string.Join(", ", t.TypeParameters.Select(p => Identifier.Escape(p.Name))) + ">" : "";
        return $"partial {keyword} {Identifier.Escape(t.Name)}{parameters}";
    }

    /// <summary>Properties in declaration order (across partial files: by file path, then position).</summary>
    internal static IEnumerable<IPropertySymbol> OrderedProperties(INamedTypeSymbol type, CancellationToken ct)
        => type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.DeclaringSyntaxReferences.Length > 0)
            .Select(p => (Property: p, Ref: p.DeclaringSyntaxReferences.OrderBy(r => r.Span.Start).First()))
            .OrderBy(x => x.Ref.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(x => x.Ref.Span.Start)
            .Select(x => x.Property);

    /// <summary>A layer property as a declaration, or null after reporting why it is not one. In a [Block], the caller
    /// gives the node its C# name and path and the options <paramref name="bound"/> to the use's arguments.</summary>
    internal static LayerDeclaration? ParseLayer(IPropertySymbol property, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken ct,
        string? name = null, string? path = null, IReadOnlyDictionary<string, object?>? bound = null)
    {
        var propertySyntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        var propertyLocation = LocationInfo.From(propertySyntax?.Identifier.GetLocation());
        string typeName = property.Type.ToDisplayString();

        AttributeData? layerAttribute = null;
        foreach (var a in property.GetAttributes())
        {
            string? attributeName = a.AttributeClass?.ToDisplayString();
            if (attributeName is not null && LayerTable.ForAttribute(attributeName) is not null) { layerAttribute = a; break; }
            if (a.AttributeClass is { } cls && DerivesFrom(cls, LayerAttributeName))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? propertyLocation,
                    property.Name, $"[{cls.Name}] is not a layer the generator knows",
                    "use one of " + LayerTable.Names));
                return null;
            }
        }

        if (layerAttribute is null)
        {
            if (LayerTable.HandleTypes.Contains(typeName))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, propertyLocation, property.Name,
                    $"the property has the layer type {property.Type.Name} but no layer attribute, so the generator cannot tell which layer it is",
                    $"add a layer attribute such as [{LayerTable.Kinds.First(k => k.HandleType == property.Type.Name).Example}] or remove the property"));
            return null;
        }

        var kind = LayerTable.ForAttribute(layerAttribute.AttributeClass!.ToDisplayString())!;
        string handle = kind.HandleType;
        var location = LocationInfo.From(layerAttribute.ApplicationSyntaxReference?.GetSyntax(ct)) ?? propertyLocation;

        if (ReservedNames.Contains(property.Name))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateLayerName, propertyLocation, property.Name,
                "has the name of a member the generator emits on every network (" + property.Name + ")"));
            return null;
        }

        if (typeName != Ns + handle)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerTypeMismatch, propertyLocation, property.Name,
                layerAttribute.AttributeClass!.Name.Replace("Attribute", ""), handle, typeName));
            return null;
        }

        string? formProblem =
            property.IsStatic ? "it is static" :
            propertySyntax is null ? "it has no declaration" :
            !propertySyntax.Modifiers.Any(SyntaxKind.PartialKeyword) ? "it is not partial" :
            property.SetMethod is not null ? "it has a setter" :
            propertySyntax.ExpressionBody is not null || propertySyntax.AccessorList?.Accessors.Any(x => x.Body is not null || x.ExpressionBody is not null) == true ? "it has a body" :
            null;
        if (formProblem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerPropertyNotPartial, propertyLocation, property.Name, formProblem, handle));
            return null;
        }

        var options = kind.Read(new AttributeReader(layerAttribute, bound));
        return new LayerDeclaration(new LayerSpec(name ?? property.Name, options, EquatableArray<int>.Empty, DeclarationChecks.MirroredModifiers(propertySyntax!), Path: path), location);
    }

    /// <summary>Bind only means something in a [Block]; on a network's layer it would be ignored, so it is an error.</summary>
    private static DiagnosticInfo? BindOutsideBlock(IPropertySymbol property, CancellationToken ct)
    {
        foreach (var a in property.GetAttributes())
            if (a.NamedArguments.FirstOrDefault(n => n.Key == nameof(LayerAttribute.Bind)).Value.Value is string bind)
                return DiagnosticInfo.Create(DiagnosticDescriptors.BlockBindInvalid, LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)), property.Name, bind,
                    "Bind takes options from a [Block]'s constructor, and this layer is a network's, which has none: write the options themselves");
        return null;
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == baseName) return true;
        return false;
    }
}
