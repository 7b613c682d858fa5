using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>A property holding a [Block] (or a <c>Sequential&lt;TBlock&gt;</c> of them) in a network or a block, with the
/// constructor arguments of each instance its initializer creates (<c>= new(64, stride: 2)</c>), evaluated.</summary>
internal sealed record BlockProperty(string Name, INamedTypeSymbol BlockType, bool IsSequential, IReadOnlyList<IReadOnlyDictionary<string, object?>> Instances, Location Location);

/// <summary>What a [Block] class declares: its layer properties (attribute and declaration), the block properties it holds,
/// its <c>Tensor Forward(Tensor x)</c>, and the identifiers that body mentions (to tell a layer left out by a
/// <c>cond ? a : b</c> from one never used).</summary>
internal sealed record BlockDefinition(
    INamedTypeSymbol Type,
    IReadOnlyList<(IPropertySymbol Property, AttributeData Attribute)> Layers,
    IReadOnlyList<IPropertySymbol> BlockProperties,
    MethodDeclarationSyntax? Forward,
    IReadOnlyCollection<string> Mentioned,
    IReadOnlyDictionary<string, int> Ordinals);

/// <summary>Reads blocks for <see cref="ForwardReader"/>: which properties hold blocks, the constant value of each
/// constructor argument (constants, the enclosing block's parameters, and integer or boolean arithmetic on them), and
/// the <see cref="LayerAttribute.Bind"/> expressions that size a block's layers from those arguments.</summary>
internal static class BlockReader
{
    public static readonly string BlockAttributeName = typeof(BlockAttribute).FullName!;
    private const string SequentialName = "DeepPsych.Dsl.Sequential<TBlock>";

    /// <summary>Whether <paramref name="type"/> is a [Block] class.</summary>
    public static bool IsBlock(ITypeSymbol? type)
        => type is INamedTypeSymbol named && named.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == BlockAttributeName);

    /// <summary>The block type a property holds (itself or a Sequential's element), or null for any other property.</summary>
    public static (INamedTypeSymbol Block, bool Sequential)? BlockTypeOf(IPropertySymbol property)
    {
        if (IsBlock(property.Type)) return ((INamedTypeSymbol)property.Type, false);
        if (property.Type is INamedTypeSymbol { IsGenericType: true } generic && generic.OriginalDefinition.ToDisplayString() == SequentialName
            && IsBlock(generic.TypeArguments[0]))
            return ((INamedTypeSymbol)generic.TypeArguments[0], true);
        return null;
    }

    /// <summary>Reads a block-holding property's initializer into one argument set per instance; null after reporting why not.</summary>
    public static BlockProperty? ReadProperty(IPropertySymbol property, Compilation compilation, IReadOnlyDictionary<string, object?> scopeArguments,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken ct)
    {
        var (blockType, sequential) = BlockTypeOf(property)!.Value;
        var syntax = property.DeclaringSyntaxReferences.Select(r => r.GetSyntax(ct)).OfType<PropertyDeclarationSyntax>().FirstOrDefault();
        var at = syntax?.Identifier.GetLocation() ?? Location.None;
        BlockProperty? Fail(string problem)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockUseNotSupported, LocationInfo.From(at), property.Name, blockType.Name, problem));
            return null;
        }
        if (syntax?.Initializer is not { } initializer || property.IsStatic || property.SetMethod is not null)
            return Fail($"it must be a get-only instance property initialised with its block{(sequential ? "s" : "")}: public {(sequential ? $"Sequential<{blockType.Name}>" : blockType.Name)} {property.Name} {{ get; }} = {(sequential ? "[new(...), new(...)]" : "new(...)")};");

        var operation = Strip(compilation.GetSemanticModel(syntax.SyntaxTree).GetOperation(initializer.Value, ct));
        var instances = new List<IReadOnlyDictionary<string, object?>>();
        if (!sequential)
        {
            if (operation is not IObjectCreationOperation creation) return Fail("its initializer must be new(...) with constant arguments, so that the generator can size its layers");
            if (Arguments(creation, scopeArguments, out string? problem) is not { } single) return Fail(problem!);
            instances.Add(single);
        }
        else
        {
            if (operation is not ICollectionExpressionOperation collection)
                return Fail($"a Sequential is initialised with its blocks in brackets: = [new(...), new(...)];");
            var elements = collection.Elements.ToList();
            if (elements.Count == 0) return Fail("a Sequential needs at least one block: = [new(...), new(...)];");
            foreach (var element in elements)
            {
                if (Strip(element) is not IObjectCreationOperation blockCreation) return Fail($"each block of a Sequential must be new(...), not '{element.Syntax}'");
                if (Arguments(blockCreation, scopeArguments, out string? problem) is not { } values) return Fail(problem!);
                instances.Add(values);
            }
        }
        return new BlockProperty(property.Name, blockType, sequential, instances, at);
    }

    /// <summary>The block class's declarations (its own check, <see cref="BlockDeclarations"/>, reports what is wrong with them).</summary>
    public static BlockDefinition Define(INamedTypeSymbol type, CancellationToken ct)
    {
        var layers = new List<(IPropertySymbol, AttributeData)>();
        var blocks = new List<IPropertySymbol>();
        var ordinals = new Dictionary<string, int>();
        foreach (var property in NetworkParser.OrderedProperties(type, ct))
        {
            ordinals[property.Name] = ordinals.Count;
            var attribute = property.GetAttributes().FirstOrDefault(a => a.AttributeClass is { } c && LayerTable.ForAttribute(c.ToDisplayString()) is not null);
            if (attribute is not null) layers.Add((property, attribute));
            else if (BlockTypeOf(property) is not null) blocks.Add(property);
        }
        var forward = ForwardReader.Find(type, ct);
        var mentioned = forward is null ? new HashSet<string>()
            : new HashSet<string>(forward.DescendantNodes().OfType<IdentifierNameSyntax>().Select(i => i.Identifier.ValueText));
        return new BlockDefinition(type, layers, blocks, forward, mentioned, ordinals);
    }

    private static IOperation? Strip(IOperation? operation)
    {
        while (operation is IConversionOperation { IsImplicit: true } conversion) operation = conversion.Operand;
        return operation;
    }

    /// <summary>Each constructor parameter's value for one <c>new(...)</c> (defaults included), or null with the problem.</summary>
    private static Dictionary<string, object?>? Arguments(IObjectCreationOperation creation, IReadOnlyDictionary<string, object?> scope, out string? problem)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var argument in creation.Arguments)
        {
            if (argument.Parameter is null) continue;
            if (!TryEvaluate(argument.Value, scope, out var value))
            {
                problem = $"the argument '{argument.Syntax}' for '{argument.Parameter.Name}' is not a constant (literals, constants, the enclosing block's parameters and + - * / on them)";
                return null;
            }
            values[argument.Parameter.Name] = value;
        }
        problem = null;
        return values;
    }

    /// <summary>Evaluates a constructor argument: a constant, an enclosing block's parameter, or arithmetic on them.</summary>
    public static bool TryEvaluate(IOperation operation, IReadOnlyDictionary<string, object?> scope, out object? value)
    {
        value = null;
        if (operation.ConstantValue.HasValue) { value = operation.ConstantValue.Value; return true; }
        switch (operation)
        {
            case IConversionOperation conversion when TryEvaluate(conversion.Operand, scope, out var inner):
                return Convert(inner, conversion.Type, out value);
            case IParameterReferenceOperation parameter when scope.TryGetValue(parameter.Parameter.Name, out var bound):
                value = bound;
                return true;
            case IBinaryOperation binary when TryEvaluate(binary.LeftOperand, scope, out var l) && TryEvaluate(binary.RightOperand, scope, out var r):
                return (value = Arithmetic.Binary(binary.OperatorKind.ToString(), l, r)) is not null;
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Minus } negate when TryEvaluate(negate.Operand, scope, out var n):
                return (value = Arithmetic.Binary("Subtract", 0, n)) is not null;
            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } not when TryEvaluate(not.Operand, scope, out var b) && b is bool flag:
                value = !flag;
                return true;
            default:
                return false;
        }
    }

    private static bool Convert(object? inner, ITypeSymbol? type, out object? value)
    {
        value = type?.SpecialType switch
        {
            SpecialType.System_Int32 when inner is int or long => System.Convert.ToInt32(inner, CultureInfo.InvariantCulture),
            SpecialType.System_Single when inner is int or long or float or double => System.Convert.ToSingle(inner, CultureInfo.InvariantCulture),
            SpecialType.System_Double when inner is int or long or float or double => System.Convert.ToDouble(inner, CultureInfo.InvariantCulture),
            _ => inner,
        };
        return true;
    }
}

/// <summary>The arithmetic of block arguments and <see cref="LayerAttribute.Bind"/> expressions: int with overflow checks,
/// float/double, and bool logic. Null for what does not compute (overflow, a division by zero, mixed bool and number).</summary>
internal static class Arithmetic
{
    public static object? Binary(string op, object? left, object? right)
    {
        if (left is bool a && right is bool b)
            return op switch { "ConditionalAnd" or "And" => a && b, "ConditionalOr" or "Or" => a || b, "Equals" => a == b, "NotEquals" => a != b, _ => null };
        if (left is int i && right is int j)
        {
            long result = op switch
            {
                "Add" => (long)i + j, "Subtract" => (long)i - j, "Multiply" => (long)i * j,
                "Divide" when j != 0 => i / j, "Remainder" when j != 0 => i % j,
                _ => long.MinValue,
            };
            if (op is "Equals" or "NotEquals" or "LessThan" or "GreaterThan") return Compare(op, i, j);
            return result is >= int.MinValue and <= int.MaxValue ? (int)result : null;
        }
        if (Number(left) is { } x && Number(right) is { } y)
        {
            if (op is "Equals" or "NotEquals" or "LessThan" or "GreaterThan") return Compare(op, x, y);
            double d = op switch { "Add" => x + y, "Subtract" => x - y, "Multiply" => x * y, "Divide" => x / y, _ => double.NaN };
            return double.IsNaN(d) || double.IsInfinity(d) ? null : left is double || right is double ? d : (float)d;
        }
        return null;
    }

    private static bool? Compare(string op, double x, double y) => op switch { "Equals" => x == y, "NotEquals" => x != y, "LessThan" => x < y, "GreaterThan" => x > y, _ => null };

    private static double? Number(object? v) => v is int or float or double ? System.Convert.ToDouble(v, CultureInfo.InvariantCulture) : null;
}
