using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Stage 1: reads a [Network] class and its attributed partial properties into a symbol-free <see cref="NetworkSpec"/>.
/// Only declaration-level problems are found here (not partial, wrong property form, unknown layers); shapes come later.</summary>
internal static class NetworkParser
{
    public const string NetworkAttributeName = "DeepPsych.Dsl.NetworkAttribute";
    private const string Ns = "DeepPsych.Dsl.";

    /// <summary>Layer attribute metadata name → (kind, the property type it must be declared with).</summary>
    private static readonly Dictionary<string, (LayerKind Kind, string HandleType)> LayerAttributes = new()
    {
        [Ns + "Conv2DAttribute"] = (LayerKind.Conv2D, "Conv2D"),
        [Ns + "DenseAttribute"] = (LayerKind.Dense, "Dense"),
        [Ns + "MaxPool2DAttribute"] = (LayerKind.MaxPool2D, "Pool"),
        [Ns + "AvgPool2DAttribute"] = (LayerKind.AvgPool2D, "Pool"),
        [Ns + "GlobalAvgPoolAttribute"] = (LayerKind.GlobalAvgPool, "Pool"),
        [Ns + "FlattenAttribute"] = (LayerKind.Flatten, "Flatten"),
        [Ns + "ActivationAttribute"] = (LayerKind.Activation, "Activation"),
        [Ns + "DropoutAttribute"] = (LayerKind.Dropout, "Dropout"),
    };

    private static readonly HashSet<string> HandleTypes = new(LayerAttributes.Values.Select(v => Ns + v.HandleType));

    /// <summary>Members the generator emits; a layer may not take these names.</summary>
    internal static readonly ImmutableHashSet<string> ReservedNames = ImmutableHashSet.Create(
        "Name", "InputShape", "OutputShape", "InputLength", "OutputLength", "Loss", "ArchitectureHash", "Parameters",
        "Gradients", "ParameterTensors", "Layers", "Threads", "Seed", "Step", "InitializeParameters", "Forward",
        "ComputeGradients", "ZeroGradients", "FirstNonFiniteLayer", "Summary", "ParameterCount", "FlopsPerSample",
        "SummaryTable", "ArchitectureHashValue", "Workspace", "UseDevice", "DeviceBackend", "DeviceState", "DeviceWorkspace", "BackwardSource");

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var classSyntax = (ClassDeclarationSyntax)context.TargetNode;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var classLocation = LocationInfo.From(classSyntax.Identifier.GetLocation());

        // The class and every class around it must be partial.
        for (var t = type; t is not null; t = t.ContainingType)
        {
            bool partial = t.DeclaringSyntaxReferences.Any(r => r.GetSyntax(cancellationToken) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NetworkNotPartial, classLocation, t.Name));
                return new ParseResult(null, diagnostics.ToEquatableArray());
            }
        }

        var attribute = context.Attributes[0];
        var attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken)) ?? classLocation;
        var input = ImmutableArray<int>.Empty;
        var loss = LossKind.SoftmaxCrossEntropy;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Input" && !named.Value.IsNull && named.Value.Kind == TypedConstantKind.Array)
                input = named.Value.Values.Select(v => v.Value is int i ? i : 0).ToImmutableArray();
            else if (named.Key == "Loss" && named.Value.Value is int l)
                loss = (LossKind)l;
        }

        var layers = ImmutableArray.CreateBuilder<LayerDeclaration>();
        foreach (var property in OrderedProperties(type, cancellationToken))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var layer = ParseLayer(property, diagnostics, cancellationToken);
            if (layer is not null) layers.Add(layer);
        }

        // Sequential wiring: each layer reads the one before it (-1 is the network input). Graph layers will set their own inputs.
        var wired = layers.Select((l, i) => l with { Spec = l.Spec with { Inputs = ImmutableArray.Create(i - 1).ToEquatableArray() } });

        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        var containing = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) containing.Insert(0, Declaration(t));

        var spec = new NetworkSpec(
            ns.Length == 0 ? null : ns,
            containing.ToEquatableArray(),
            type.Name,
            SyntaxFacts.GetText(type.DeclaredAccessibility) is { Length: > 0 } a ? a : "internal",
            attributeLocation,
            input.ToEquatableArray(),
            loss,
            wired.ToEquatableArray());
        return new ParseResult(spec, diagnostics.ToEquatableArray());
    }

    /// <summary>How to reopen a containing type: "partial record struct Outer&lt;T&gt;".</summary>
    private static string Declaration(INamedTypeSymbol t)
    {
        string keyword = t.IsRecord ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record")
            : t.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", _ => "class" };
        string parameters = t.TypeParameters.Length > 0 ? "<" + string.Join(", ", t.TypeParameters.Select(p => p.Name)) + ">" : "";
        return $"partial {keyword} {t.Name}{parameters}";
    }

    /// <summary>Properties in declaration order (across partial files: by file path, then position).</summary>
    private static IEnumerable<IPropertySymbol> OrderedProperties(INamedTypeSymbol type, CancellationToken ct)
        => type.GetMembers().OfType<IPropertySymbol>()
            .Where(p => p.DeclaringSyntaxReferences.Length > 0)
            .Select(p => (Property: p, Ref: p.DeclaringSyntaxReferences.OrderBy(r => r.Span.Start).First()))
            .OrderBy(x => x.Ref.SyntaxTree.FilePath, System.StringComparer.Ordinal)
            .ThenBy(x => x.Ref.Span.Start)
            .Select(x => x.Property);

    private static LayerDeclaration? ParseLayer(IPropertySymbol property, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken ct)
    {
        var propertySyntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        var propertyLocation = LocationInfo.From(propertySyntax?.Identifier.GetLocation());
        string typeName = property.Type.ToDisplayString();

        AttributeData? layerAttribute = null;
        foreach (var a in property.GetAttributes())
        {
            string? name = a.AttributeClass?.ToDisplayString();
            if (name is not null && LayerAttributes.ContainsKey(name)) { layerAttribute = a; break; }
            if (a.AttributeClass is { } cls && DerivesFrom(cls, Ns + "LayerAttribute"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, LocationInfo.From(a.ApplicationSyntaxReference?.GetSyntax(ct)) ?? propertyLocation,
                    property.Name, $"[{cls.Name}] is not a layer the generator knows",
                    "use one of Conv2D, Dense, MaxPool2D, AvgPool2D, GlobalAvgPool, Flatten, Activation, Dropout"));
                return null;
            }
        }

        if (layerAttribute is null)
        {
            if (HandleTypes.Contains(typeName))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownLayer, propertyLocation, property.Name,
                    $"the property has the layer type {property.Type.Name} but no layer attribute, so the generator cannot tell which layer it is",
                    $"add a layer attribute such as [{(property.Type.Name == "Pool" ? "MaxPool2D(2)" : property.Type.Name == "Conv2D" ? "Conv2D(16, Kernel = 3)" : property.Type.Name == "Dense" ? "Dense(10)" : property.Type.Name + "(...)")}] or remove the property"));
            return null;
        }

        var (kind, handle) = LayerAttributes[layerAttribute.AttributeClass!.ToDisplayString()];
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

        var accessibility = SyntaxFacts.GetText(property.DeclaredAccessibility);
        return new LayerDeclaration(ReadOptions(property.Name, kind, layerAttribute) with { Accessibility = accessibility.Length > 0 ? accessibility : "private" }, location);
    }

    private static LayerSpec ReadOptions(string name, LayerKind kind, AttributeData a)
    {
        int ctorInt = a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value is int ci ? ci : 0;
        double ctorDouble = a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value is double cd ? cd : 0;
        var named = a.NamedArguments.ToDictionary(p => p.Key, p => p.Value.Value);
        int Int(string key, int fallback) => named.TryGetValue(key, out var v) && v is int i ? i : fallback;
        bool Bool(string key, bool fallback) => named.TryGetValue(key, out var v) && v is bool b ? b : fallback;
        float Float(string key, float fallback) => named.TryGetValue(key, out var v) && v is float f ? f : fallback;

        var spec = new LayerSpec(name, kind, Units: 0, KernelH: 1, KernelW: 1, StrideH: 1, StrideW: 1, PadH: 0, PadW: 0,
            DilationH: 1, DilationW: 1, Groups: 1, Bias: false, Activation: ActKind.None, LeakySlope: Float("LeakySlope", 0.01f),
            Init: (InitKind)Int("Init", 0), Rate: 0, CountIncludePad: true, Inputs: EquatableArray<int>.Empty, Accessibility: "public");

        switch (kind)
        {
            case LayerKind.Conv2D:
            {
                int k = Int("Kernel", 3), p = Int("Padding", 0), s = Int("Stride", 1), d = Int("Dilation", 1);
                int kh = Int("KernelH", 0), kw = Int("KernelW", 0), ph = Int("PaddingH", -1), pw = Int("PaddingW", -1);
                return spec with
                {
                    Units = ctorInt, KernelH = kh != 0 ? kh : k, KernelW = kw != 0 ? kw : k, StrideH = s, StrideW = s,
                    PadH = ph >= 0 ? ph : p, PadW = pw >= 0 ? pw : p, DilationH = d, DilationW = d, Groups = Int("Groups", 1),
                    Bias = Bool("Bias", true), Activation = (ActKind)Int("Activation", 0),
                };
            }
            case LayerKind.Dense:
                return spec with { Units = ctorInt, Bias = Bool("Bias", true), Activation = (ActKind)Int("Activation", 0) };
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
            {
                int s = Int("Stride", 0), p = Int("Padding", 0);
                return spec with
                {
                    KernelH = ctorInt, KernelW = ctorInt, StrideH = s == 0 ? ctorInt : s, StrideW = s == 0 ? ctorInt : s,
                    PadH = p, PadW = p, CountIncludePad = Bool("CountIncludePad", true),
                };
            }
            case LayerKind.Activation:
                return spec with { Activation = (ActKind)ctorInt };
            case LayerKind.Dropout:
                return spec with { Rate = ctorDouble };
            default:
                return spec;
        }
    }

    private static bool DerivesFrom(INamedTypeSymbol type, string baseName)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
            if (t.ToDisplayString() == baseName) return true;
        return false;
    }
}
