using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>Reads a network's <c>Tensor Forward(Tensor x)</c> body into the graph: each layer call
/// (<c>Conv1.Forward(a)</c>) wires that layer's input, and each <c>+</c>, <c>Concat(...)</c>, <c>Flatten(...)</c> and
/// activation function (<c>ReLU(...)</c>) becomes an implicit node appended after the declared layers (Add1, Concat1, …).
/// Syntax only: the contract's <c>Tensor</c> never runs, so the body is a description, read like PyTorch's <c>forward</c>.
/// Everything else is DPD0024 on the expression; a layer never called is DPD0022, one called twice DPD0023.</summary>
internal static class ForwardReader
{
    /// <summary>The metadata name of the contract's symbolic value type.</summary>
    public const string TensorType = "DeepPsych.Dsl.Tensor";

    /// <summary>The static class holding the functions (receiver allowed in <c>Functional.ReLU(x)</c>).</summary>
    private const string FunctionsClass = "Functional";

    /// <summary>The user's <c>Tensor Forward(Tensor)</c>, or null when the class declares none (then the graph is the declaration order).</summary>
    public static MethodDeclarationSyntax? Find(INamedTypeSymbol type, System.Threading.CancellationToken ct)
        => type.GetMembers("Forward").OfType<IMethodSymbol>()
            .Where(IsGraphForward)
            .SelectMany(m => m.DeclaringSyntaxReferences).Select(r => r.GetSyntax(ct)).OfType<MethodDeclarationSyntax>()
            .FirstOrDefault(m => m.Body is not null || m.ExpressionBody is not null);

    /// <summary>Whether <paramref name="member"/> is the user's graph declaration <c>Tensor Forward(Tensor x)</c> (which
    /// may share the name of the generated <c>Forward(input, output, batch)</c>: the signatures differ).</summary>
    public static bool IsGraphForward(ISymbol member)
        => member is IMethodSymbol { IsStatic: false, Name: "Forward", Parameters.Length: 1 } m
           && m.Parameters[0].Type.ToDisplayString() == TensorType && m.ReturnType.ToDisplayString() == TensorType;

    /// <summary>The layers wired as <paramref name="method"/> says, implicit nodes appended; null after reporting why not.</summary>
    public static ImmutableArray<LayerDeclaration>? Read(MethodDeclarationSyntax method, IReadOnlyList<LayerDeclaration> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
        => new Reader(layers, diagnostics).Read(method);

    private sealed class Reader(IReadOnlyList<LayerDeclaration> layers, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        private readonly List<LayerDeclaration> _nodes = layers.ToList();
        private readonly Dictionary<string, int> _layerIndex = layers.Select((l, i) => (l.Spec.Name, i)).ToDictionary(p => p.Name, p => p.i);
        private readonly List<int>?[] _wired = new List<int>?[layers.Count];
        private readonly Dictionary<string, int> _locals = new();
        private readonly Dictionary<string, int> _counters = new();
        private bool _failed;

        public ImmutableArray<LayerDeclaration>? Read(MethodDeclarationSyntax method)
        {
            _locals[method.ParameterList.Parameters[0].Identifier.ValueText] = NetworkGraph.NetworkInput;
            int? output = method.ExpressionBody is { } arrow ? Eval(arrow.Expression) : Block(method.Body!);
            if (_failed || output is null) return null;
            if (output == NetworkGraph.NetworkInput)
            {
                Fail(method.Identifier.GetLocation(), "return x", "Forward returns its input unchanged; return the last layer's output");
                return null;
            }

            var wired = _nodes.Select((n, i) => i < _wired.Length
                ? n with { Spec = n.Spec with { Inputs = (_wired[i] ?? []).ToEquatableArray() } }
                : n).ToList();

            // Everything must reach the returned value: a layer that does not would hold untrained parameters.
            var reaches = new HashSet<int>();
            var pending = new Stack<int>([output.Value]);
            while (pending.Count > 0)
                if (pending.Pop() is var v && v != NetworkGraph.NetworkInput && reaches.Add(v))
                    foreach (int input in wired[v].Spec.Inputs) pending.Push(input);
            for (int i = 0; i < wired.Count; i++)
            {
                if (reaches.Contains(i)) continue;
                if (i < _wired.Length)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUnused, wired[i].Location, wired[i].Spec.Name));
                else
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedForwardExpression, wired[i].Location, wired[i].Spec.Options.Describe(),
                        "its value never reaches the returned value"));
                _failed = true;
            }
            return _failed ? null : wired.ToImmutableArray();
        }

        private int? Block(BlockSyntax body)
        {
            for (int s = 0; s < body.Statements.Count; s++)
            {
                var statement = body.Statements[s];
                switch (statement)
                {
                    case LocalDeclarationStatementSyntax local:
                        foreach (var variable in local.Declaration.Variables)
                        {
                            if (variable.Initializer is null) return Fail(variable.GetLocation(), variable.ToString(), "a local needs a value: var a = ...;");
                            if (Eval(variable.Initializer.Value) is not { } value) return null;
                            _locals[variable.Identifier.ValueText] = value;
                        }
                        break;
                    case ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression, Left: IdentifierNameSyntax target } assignment }
                        when _locals.ContainsKey(target.Identifier.ValueText):
                        if (Eval(assignment.Right) is not { } assigned) return null;
                        _locals[target.Identifier.ValueText] = assigned;
                        break;
                    case ReturnStatementSyntax { Expression: { } returned } when s == body.Statements.Count - 1:
                        return Eval(returned);
                    default:
                        return Fail(statement.GetLocation(), First(statement), "a Forward body is locals (var a = ...;), assignments to them and one return at the end");
                }
            }
            return Fail(body.GetLocation(), "{ ... }", "Forward must end with return");
        }

        private int? Eval(ExpressionSyntax e)
        {
            switch (e)
            {
                case ParenthesizedExpressionSyntax p:
                    return Eval(p.Expression);
                case IdentifierNameSyntax id when _locals.TryGetValue(id.Identifier.ValueText, out int value):
                    return value;
                case IdentifierNameSyntax id:
                    return Fail(id.GetLocation(), id.ToString(), "it is neither Forward's parameter nor a local");
                case BinaryExpressionSyntax b when b.IsKind(SyntaxKind.AddExpression):
                    if (Eval(b.Left) is not { } left || Eval(b.Right) is not { } right) return null;
                    return Node(new AddOptions(), [left, right], b);
                case InvocationExpressionSyntax call:
                    return Call(call);
                default:
                    return Fail(e.GetLocation(), e.ToString(), "only layer calls, '+', Concat, Flatten and activation functions make a graph");
            }
        }

        private int? Call(InvocationExpressionSyntax call)
        {
            var args = call.ArgumentList.Arguments;
            // A layer: Conv1.Forward(a)
            if (call.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax layerName, Name.Identifier.ValueText: "Forward" }
                && _layerIndex.TryGetValue(layerName.Identifier.ValueText, out int layer))
            {
                if (args.Count != 1) return Fail(call.GetLocation(), call.ToString(), "a layer call takes one value");
                if (Eval(args[0].Expression) is not { } input) return null;   // first: an inner call of the same layer is the first use
                if (_wired[layer] is not null)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUsedTwice, LocationInfo.From(call.GetLocation()), layerName.Identifier.ValueText));
                    _failed = true;
                    return null;
                }
                _wired[layer] = [input];
                return layer;
            }

            string? function = call.Expression switch
            {
                IdentifierNameSyntax id => id.Identifier.ValueText,
                MemberAccessExpressionSyntax { Expression: var receiver, Name: IdentifierNameSyntax name }
                    when receiver.ToString() is FunctionsClass || receiver.ToString().EndsWith("." + FunctionsClass, StringComparison.Ordinal) => name.Identifier.ValueText,
                _ => null,
            };
            switch (function)
            {
                case "Concat" when args.Count >= 2:
                    var inputs = new List<int>();
                    foreach (var a in args)
                        if (Eval(a.Expression) is { } v) inputs.Add(v); else return null;
                    return Node(new ConcatOptions(inputs.Count), inputs, call);
                case "Concat":
                    return Fail(call.GetLocation(), call.ToString(), "Concat joins two or more values");
                case "Flatten" when args.Count == 1:
                    return Eval(args[0].Expression) is { } flat ? Node(new FlattenOptions(), [flat], call) : null;
                case not null when System.Enum.TryParse<Act>(function, out var act) && act is not (Act.None or Act.Step) && function == act.ToString()
                                   && (args.Count == 1 || (act == Act.LeakyReLU && args.Count == 2)):
                    float slope = new ActivationAttribute(act).LeakySlope;
                    if (args.Count == 2)
                    {
                        if (Number(args[1].Expression) is not { } s) return Fail(args[1].GetLocation(), args[1].ToString(), "the slope must be a number literal");
                        slope = s;
                    }
                    return Eval(args[0].Expression) is { } z ? Node(new ActivationOptions(new ActSpec(act, slope)), [z], call) : null;
                default:
                    return Fail(call.GetLocation(), call.ToString(), "it is not a layer call (Layer.Forward(x)) or one of Concat, Flatten, ReLU, LeakyReLU, Sigmoid, Tanh, Softplus");
            }
        }

        private static float? Number(ExpressionSyntax e) => e switch
        {
            LiteralExpressionSyntax { Token.Value: var v } when v is int or float or double => System.Convert.ToSingle(v, CultureInfo.InvariantCulture),
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression, Operand: var o } when Number(o) is { } n => -n,
            _ => null,
        };

        private int Node(LayerOptions options, List<int> inputs, SyntaxNode at)
        {
            string kind = options is ActivationOptions a ? a.Function.Function.ToString() : options.Kind.Name;
            string name;
            do
            {
                _counters[kind] = _counters.TryGetValue(kind, out int c) ? c + 1 : 1;
                name = kind + _counters[kind];
            } while (_layerIndex.ContainsKey(name) || NetworkParser.ReservedNames.Contains(name));
            var spec = new LayerSpec(name, options, inputs.ToEquatableArray(), "private", Implicit: true);
            _nodes.Add(new LayerDeclaration(spec, LocationInfo.From(at.GetLocation())));
            return _nodes.Count - 1;
        }

        private int? Fail(Location location, string what, string why)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedForwardExpression, LocationInfo.From(location), Shorten(what), why));
            _failed = true;
            return null;
        }

        private static string First(SyntaxNode node) => node.ToString().Split('\n')[0].Trim();

        private static string Shorten(string text)
        {
            text = string.Join(" ", text.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
            return text.Length <= 60 ? text : text.Substring(0, 57) + "...";
        }
    }
}
