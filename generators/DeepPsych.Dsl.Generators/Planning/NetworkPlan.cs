namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>One parameter tensor in the network's contiguous block: <c>C1.weight</c>, C# id <c>C1Weight</c>.</summary>
internal sealed record ParameterPlan(string Layer, string Suffix, EquatableArray<int> Shape, int Offset, int Length, int FanIn, int FanOut, Init Init, string? LayerPath = null)
{
    /// <summary>The PyTorch state_dict name: the layer's path (<c>Layer1.0.Conv1</c> inside blocks) and the suffix.</summary>
    public string Name => (LayerPath ?? Layer) + "." + Suffix;
    /// <summary>The C# identifier stem in generated code.</summary>
    public string Id => Layer + char.ToUpperInvariant(Suffix[0]) + Suffix.Substring(1);
}

/// <summary>One buffer tensor (state training moves, no optimizer touches): <c>Bn1.running_mean</c>, C# id
/// <c>Bn1RunningMean</c>. Float buffers lie in the network's buffer block at <paramref name="Offset"/>; an int64 one
/// (<c>num_batches_tracked</c>) is element <paramref name="Offset"/> of the int64 block.</summary>
internal sealed record BufferTensorPlan(string Layer, string Suffix, EquatableArray<int> Shape, int Offset, int Length, float InitialValue, bool IsInt64, string? LayerPath = null)
{
    /// <summary>The PyTorch state_dict name, built as <see cref="ParameterPlan.Name"/> is: the layer's path and the suffix.</summary>
    public string Name => (LayerPath ?? Layer) + "." + Suffix;
    /// <summary>The C# identifier stem in generated code: the layer and the suffix in Pascal case.</summary>
    public string Id => Layer + string.Concat(Suffix.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w.Substring(1)));
}

/// <summary>A node of the network graph with everything the emitter needs: shapes, parameter slices, cost.
/// <see cref="LayerSpec.Inputs"/> holds node indices (−1 = the network input).</summary>
internal sealed record NodePlan(
    LayerSpec Layer,
    EquatableArray<EquatableArray<int>> InputShapes,
    EquatableArray<int> OutputShape,
    EquatableArray<ParameterPlan> Parameters,
    long Flops,
    EquatableArray<BufferTensorPlan> Buffers)
{
    public string Name => Layer.Name;
    /// <summary>The name users see (checkpoints, Layers, summary): the dotted path inside blocks, else <see cref="Name"/>.</summary>
    public string Path => Layer.DisplayName;
    /// <summary><see cref="Path"/> as a C# string literal, the first argument of every layer handle.</summary>
    public string PathLiteral => "\"" + Path + "\"";
    public LayerOptions Options => Layer.Options;
    /// <summary>The input shape of a one-input kind.</summary>
    public EquatableArray<int> InputShape => InputShapes[0];
    public int InputLength => Shapes.ShapeMath.Product(InputShape);
    public int OutputLength => Shapes.ShapeMath.Product(OutputShape);
    public bool HasParameters => Parameters.Length > 0;
}

/// <summary>The checked, laid-out network: what the emitter turns into C#. Holds no locations, so edits that move
/// code without changing the architecture leave this (and the generated source) cached. Nodes are in declaration
/// order; <see cref="Order"/> is the order forward runs them in (backward runs it in reverse, as <see cref="Backward"/> says).</summary>
internal sealed record NetworkPlan(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string Accessibility,
    EquatableArray<int> InputShape,
    Loss Loss,
    EquatableArray<NodePlan> Nodes,
    EquatableArray<int> Order,
    int OutputNode,
    GradientPlan Backward,
    int ParameterCount,
    long Flops,
    string ArchitectureHash,
    EquatableArray<BlockUse> Blocks = default,
    /// <summary>Class weights / ignore index of the softmax cross-entropy, when declared (training only: not in the hash).</summary>
    LossWeighting? Weighting = null,
    /// <summary>The BatchNorms an inference snapshot (FreezeForInference) folds into the layer before them.</summary>
    EquatableArray<BatchNormFold> Folds = default,
    /// <summary>The class is abstract: FreezeForInference, which creates a copy, is left out.</summary>
    bool IsAbstract = false)
{
    /// <summary>The fold whose BatchNorm is <paramref name="node"/> or whose folded layer is, or null.</summary>
    public BatchNormFold? FoldOf(int node) => Folds.Length == 0 ? null : Folds.FirstOrDefault(f => f.Layer == node || f.Norm == node);

    public int InputLength => Shapes.ShapeMath.Product(InputShape);
    public NodePlan Output => Nodes[OutputNode];
    public System.Collections.Generic.IEnumerable<ParameterPlan> Parameters => Nodes.SelectMany(n => n.Parameters);
    /// <summary>Every buffer tensor, in declaration order.</summary>
    public System.Collections.Generic.IEnumerable<BufferTensorPlan> Buffers => Nodes.SelectMany(n => n.Buffers);
    /// <summary>True when some layer has buffers (BatchNorm): the generated class then keeps a buffer block.</summary>
    public bool HasBuffers => Nodes.Any(n => n.Buffers.Length > 0);
    /// <summary>Floats in the buffer block.</summary>
    public int BufferCount => Buffers.Where(b => !b.IsInt64).Sum(b => b.Length);
    /// <summary>Elements of the int64 block.</summary>
    public int CounterCount => Buffers.Count(b => b.IsInt64);

    /// <summary>The node producing a value, or null for the network input.</summary>
    public NodePlan? Producer(int value) => value == NetworkGraph.NetworkInput ? null : Nodes[value];
}

/// <summary>An eval-mode BatchNorm (node <paramref name="Norm"/>) that an inference snapshot folds exactly into the layer
/// that feeds it (node <paramref name="Layer"/>, a Conv2D or Dense): W' = W·γ/√(σᵣ² + ε), b' = (b − μᵣ)·γ/√(σᵣ² + ε) + β per
/// output channel; the folded layer then writes the BatchNorm's output and the BatchNorm pass is skipped.</summary>
internal sealed record BatchNormFold(int Layer, int Norm);

/// <summary>What planning produced: a plan when the network is valid, all diagnostics (with locations), and the parsed
/// shell (for the stub emitted when there is no plan).</summary>
internal sealed record PlanResult(NetworkPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics, NetworkShell? Shell = null);
