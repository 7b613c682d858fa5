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

    /// <summary>The layers wired as <paramref name="method"/> says, implicit nodes and the layers of every block use
    /// appended; null after reporting why not. <paramref name="blockUses"/> receives each block use for the constructor;
    /// <paramref name="ordinals"/> is each property's position in the class (layers and blocks), which orders the nodes.</summary>
    public static ImmutableArray<LayerDeclaration>? Read(MethodDeclarationSyntax method, IReadOnlyList<LayerDeclaration> layers, IReadOnlyList<BlockProperty> blocks,
        IReadOnlyDictionary<string, int> ordinals, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics, List<BlockUse> blockUses, System.Threading.CancellationToken ct)
    {
        var graph = new GraphBuilder(layers, layers.Select(l => new[] { ordinals[l.Spec.Name] }), compilation, diagnostics, ct);
        var scope = new Reader(graph, Enumerable.Range(0, layers.Count).ToDictionary(i => layers[i].Spec.Name, i => i), blocks, ordinals,
            new Dictionary<string, object?>(), idPrefix: "", pathPrefix: "", accessPrefix: "", keyPrefix: []);
        var result = graph.Finish(scope.Read(method, NetworkGraph.NetworkInput), method);
        blockUses.AddRange(graph.BlockUses);
        return result;
    }

    /// <summary>The graph under construction, shared by the network's body and every block body inlined into it.</summary>
    private sealed class GraphBuilder(IReadOnlyList<LayerDeclaration> layers, IEnumerable<int[]> keys, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics, System.Threading.CancellationToken ct)
    {
        /// <summary>Each node's place in the declaration: the property positions from the network down to it, so that a
        /// block's layers sit where the block's property is (PyTorch's state_dict order); implicit nodes follow their scope's.</summary>
        public readonly List<int[]> Keys = keys.ToList();
        public int Sequence;
        public readonly List<LayerDeclaration> Nodes = layers.ToList();
        /// <summary>Each node's inputs once a call wires it (implicit nodes are wired when created); null until then.</summary>
        public readonly List<List<int>?> Wired = layers.Select(_ => (List<int>?)null).ToList();
        /// <summary>Block layers that a use's Forward leaves out (<c>downsample ? … : x</c>): removed from the graph.</summary>
        public readonly HashSet<int> Dropped = new();
        public readonly List<BlockUse> BlockUses = new();
        public readonly Compilation Compilation = compilation;
        public readonly ImmutableArray<DiagnosticInfo>.Builder Diagnostics = diagnostics;
        public readonly System.Threading.CancellationToken Ct = ct;
        public readonly HashSet<string> Names = new(layers.Select(l => l.Spec.Name));
        /// <summary>Block types being inlined, outermost first (a block that holds itself would never end).</summary>
        public readonly Stack<INamedTypeSymbol> Inlining = new();
        public bool Failed;

        public int Add(LayerDeclaration node, List<int>? inputs, int[] key)
        {
            Keys.Add(key);
            Nodes.Add(node);
            Wired.Add(inputs);
            Names.Add(node.Spec.Name);
            return Nodes.Count - 1;
        }

        public ImmutableArray<LayerDeclaration>? Finish(int? output, MethodDeclarationSyntax method)
        {
            if (Failed || output is null) return null;
            if (output == NetworkGraph.NetworkInput)
            {
                Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedForwardExpression, LocationInfo.From(method.Identifier.GetLocation()), "return x",
                    "Forward returns its input unchanged; return the last layer's output"));
                return null;
            }

            // Everything must reach the returned value: a layer that does not would hold untrained parameters.
            var reaches = new HashSet<int>();
            var pending = new Stack<int>([output.Value]);
            while (pending.Count > 0)
                if (pending.Pop() is var v && v != NetworkGraph.NetworkInput && reaches.Add(v))
                    foreach (int input in Wired[v] ?? []) pending.Push(input);
            for (int i = 0; i < Nodes.Count; i++)
            {
                if (reaches.Contains(i) || Dropped.Contains(i)) continue;
                if (!Nodes[i].Spec.Implicit || Nodes[i].Spec.Path is not null && Wired[i] is null)
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUnused, Nodes[i].Location, Nodes[i].Spec.DisplayName));
                else
                    Diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedForwardExpression, Nodes[i].Location, Nodes[i].Spec.Options.Describe(),
                        "its value never reaches the returned value"));
                Failed = true;
            }
            if (Failed) return null;

            // Renumber in declaration order, without the dropped block layers.
            var order = Enumerable.Range(0, Nodes.Count).Where(i => !Dropped.Contains(i)).OrderBy(i => Keys[i], KeyOrder.Instance).ToList();
            var index = new int[Nodes.Count];
            for (int k = 0; k < order.Count; k++) index[order[k]] = k;
            return order.Select(i => Nodes[i] with
            {
                Spec = Nodes[i].Spec with { Inputs = (Wired[i] ?? []).Select(v => v == NetworkGraph.NetworkInput ? v : index[v]).ToEquatableArray() },
            }).ToImmutableArray();
        }
    }

    private sealed class KeyOrder : IComparer<int[]>
    {
        public static readonly KeyOrder Instance = new();
        public int Compare(int[]? a, int[]? b)
        {
            for (int i = 0; i < Math.Min(a!.Length, b!.Length); i++)
                if (a[i] != b[i]) return a[i].CompareTo(b[i]);
            return a.Length.CompareTo(b.Length);
        }
    }

    /// <summary>One Forward body: the network's, or a block's at one use (its layers, blocks and constructor arguments,
    /// and the prefixes that name its nodes: <c>Layer1_0_Conv1</c> in C#, <c>Layer1.0.Conv1</c> as the path).</summary>
    private sealed class Reader(GraphBuilder graph, Dictionary<string, int> layerIndex, IReadOnlyList<BlockProperty> blocks, IReadOnlyDictionary<string, int> ordinals,
        IReadOnlyDictionary<string, object?> arguments, string idPrefix, string pathPrefix, string accessPrefix, int[] keyPrefix)
    {
        private readonly Dictionary<string, BlockProperty> _blocks = blocks.ToDictionary(b => b.Name);
        private readonly Dictionary<string, int> _locals = new();
        private readonly Dictionary<string, int> _counters = new();
        private readonly ImmutableArray<DiagnosticInfo>.Builder diagnostics = graph.Diagnostics;

        private bool Failed { get => graph.Failed; set => graph.Failed = value; }

        public int? Read(MethodDeclarationSyntax method, int input)
        {
            _locals[method.ParameterList.Parameters[0].Identifier.ValueText] = input;
            return method.ExpressionBody is { } arrow ? Eval(arrow.Expression) : Block(method.Body!);
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
                case ConditionalExpressionSyntax choice:
                    // In a block: a path chosen by its constructor arguments (ResNet's downsample ? Down.Forward(x) : x).
                    if (Condition(choice.Condition) is not { } taken)
                        return Fail(choice.Condition.GetLocation(), choice.Condition.ToString(),
                            $"a choice in Forward must depend only on the block's constructor arguments ({(arguments.Count == 0 ? "this Forward has none" : string.Join(", ", arguments.Keys))})");
                    return Eval(taken ? choice.WhenTrue : choice.WhenFalse);
                default:
                    return Fail(e.GetLocation(), e.ToString(), "only layer calls, '+', Concat, Flatten and activation functions make a graph");
            }
        }

        /// <summary>A condition on the block's constructor arguments (a bool parameter, !, &amp;&amp;, ||, ==, comparisons), or null.</summary>
        private bool? Condition(ExpressionSyntax condition)
        {
            var model = graph.Compilation.GetSemanticModel(condition.SyntaxTree);
            return model.GetOperation(condition, graph.Ct) is { } op && BlockReader.TryEvaluate(op, arguments, out var value) && value is bool b ? b : null;
        }

        private int? Call(InvocationExpressionSyntax call)
        {
            var args = call.ArgumentList.Arguments;
            if (call.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax callee, Name.Identifier.ValueText: "Forward" })
            {
                string name = callee.Identifier.ValueText;
                bool isLayer = layerIndex.TryGetValue(name, out int layer);
                if (isLayer || _blocks.ContainsKey(name))
                {
                    if (args.Count != 1) return Fail(call.GetLocation(), call.ToString(), "a layer or block call takes one value");
                    if (Eval(args[0].Expression) is not { } input) return null;   // first: an inner call of the same layer is the first use
                    if (!isLayer) return InlineBlock(_blocks[name], input, call);
                    // A layer: Conv1.Forward(a)
                    if (graph.Wired[layer] is not null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUsedTwice, LocationInfo.From(call.GetLocation()), pathPrefix + name));
                        Failed = true;
                        return null;
                    }
                    graph.Wired[layer] = [input];
                    return layer;
                }
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
            } while (graph.Names.Contains(idPrefix + name) || NetworkParser.ReservedNames.Contains(idPrefix + name));
            var spec = new LayerSpec(idPrefix + name, options, inputs.ToEquatableArray(), "private", Implicit: true, Path: pathPrefix.Length == 0 ? null : pathPrefix + name);
            return graph.Add(new LayerDeclaration(spec, LocationInfo.From(at.GetLocation())), inputs, [.. keyPrefix, int.MaxValue, graph.Sequence++]);
        }

        /// <summary>A block's graph at this use: each instance's layers become nodes named by the path, its body is read
        /// with its parameter bound to <paramref name="input"/>; a Sequential chains its instances.</summary>
        private int? InlineBlock(BlockProperty block, int input, SyntaxNode at)
        {
            if (graph.Inlining.Contains(block.BlockType, SymbolEqualityComparer.Default))
                return Fail(at.GetLocation(), at.ToString(), $"{block.BlockType.Name} holds itself (through {string.Join(" → ", graph.Inlining.Reverse().Select(t => t.Name))}), which never ends");
            if (_inlined.Contains(block.Name))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUsedTwice, LocationInfo.From(at.GetLocation()), pathPrefix + block.Name));
                Failed = true;
                return null;
            }
            _inlined.Add(block.Name);
            var definition = BlockReader.Define(block.BlockType, graph.Ct);
            if (definition.Forward is null)
            {
                Failed = true;   // DPD0052 on the block itself says so, once
                return null;
            }
            graph.Inlining.Push(block.BlockType);
            int? value = input;
            for (int i = 0; i < block.Instances.Count && value is { } x; i++)
            {
                string id = idPrefix + block.Name + (block.IsSequential ? "_" + i.ToString(CultureInfo.InvariantCulture) : "") + "_";
                string path = pathPrefix + block.Name + (block.IsSequential ? "." + i.ToString(CultureInfo.InvariantCulture) : "") + ".";
                string access = accessPrefix + Identifier.Escape(block.Name) + (block.IsSequential ? $"[{i}]" : "");
                value = InlineInstance(definition, block.Instances[i], x, id, path, access, [.. keyPrefix, ordinals[block.Name], i]);
            }
            graph.Inlining.Pop();
            return value;
        }

        private readonly HashSet<string> _inlined = new();

        private int? InlineInstance(BlockDefinition definition, IReadOnlyDictionary<string, object?> args, int input, string id, string path, string access, int[] key)
        {
            var layers = new Dictionary<string, int>();
            var members = new List<(string Property, int Node)>();
            foreach (var (property, attribute) in definition.Layers)
            {
                Dictionary<string, object?>? bound = null;
                if (attribute.NamedArguments.FirstOrDefault(n => n.Key == nameof(LayerAttribute.Bind)).Value.Value is string bind)
                {
                    bound = Bindings.Evaluate(bind, attribute, args, out string? problem);
                    if (bound is null)
                    {
                        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BlockBindInvalid, LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(graph.Ct)),
                            definition.Type.Name + "." + property.Name, bind, problem!));
                        Failed = true;
                        return null;
                    }
                }
                var quiet = ImmutableArray.CreateBuilder<DiagnosticInfo>();   // form problems: the block's own check reports them once
                if (NetworkParser.ParseLayer(property, quiet, graph.Ct, id + property.Name, path + property.Name, bound) is not { } layer)
                {
                    Failed = true;
                    return null;
                }
                if (graph.Names.Contains(layer.Spec.Name))
                    return Fail(property.Locations[0], layer.Spec.Name, $"the block layer's C# name {layer.Spec.Name} is taken by another layer; rename one of them");
                int node = graph.Add(layer with { Spec = layer.Spec with { Implicit = true } }, null, [.. key, definition.Ordinals[property.Name]]);
                layers[property.Name] = node;
                members.Add((property.Name, node));
            }
            var nested = new List<BlockProperty>();
            foreach (var property in definition.BlockProperties)
            {
                if (BlockReader.ReadProperty(property, graph.Compilation, args, diagnostics, graph.Ct) is not { } inner) { Failed = true; return null; }
                nested.Add(inner);
            }

            var reader = new Reader(graph, layers, nested, definition.Ordinals, args, id, path, access + ".", key);
            var output = reader.Read(definition.Forward!, input);
            if (output is null) return null;
            if (output == input)
                return Fail(definition.Forward!.Identifier.GetLocation(), "return x", $"{definition.Type.Name}.Forward returns its input unchanged here ({path.TrimEnd('.')}); return a layer's output");

            // A layer this use leaves out is dropped (ResNet's downsample without a stride); one Forward never mentions is an error.
            foreach (var (property, node) in members)
            {
                if (graph.Wired[node] is not null) continue;
                if (definition.Mentioned.Contains(property)) { graph.Dropped.Add(node); continue; }
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerUnused, graph.Nodes[node].Location, definition.Type.Name + "." + property));
                Failed = true;
            }
            graph.BlockUses.Add(new BlockUse(access, path.TrimEnd('.'),
                members.Select(m => new BlockMember(m.Property, graph.Dropped.Contains(m.Node) ? null : graph.Nodes[m.Node].Spec.Name)).ToEquatableArray()));
            return Failed ? null : output;
        }

        private int? Fail(Location location, string what, string why)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedForwardExpression, LocationInfo.From(location), Shorten(what), why));
            Failed = true;
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
