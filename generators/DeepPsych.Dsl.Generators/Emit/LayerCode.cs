namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>What a kind's <c>Forward</c>/<c>Backward</c> writes with: the writer, the node, the target (CPU or device),
/// the spans of its inputs and where their gradients go. Naming in generated code: <c>yC1</c> is C1's output,
/// <c>dyC1</c> is dL/dyC1, <c>x</c> is the network input.</summary>
internal sealed class LayerCode(CodeWriter writer, NodePlan node, EmitTarget target, IReadOnlyList<string> inputs, IReadOnlyList<string?> inputGradients, bool dxIsDy)
{
    public static string Y(string name) => "y" + name;
    public static string DY(string name) => "dy" + name;

    public NodePlan Node { get; } = node;
    public EmitTarget T { get; } = target;
    public string Name => Node.Name;

    public IReadOnlyList<string> Inputs { get; } = inputs;
    /// <summary>The span of a one-input kind's input.</summary>
    public string X => Inputs[0];
    /// <summary>Where dL/dx of each input is accumulated, or null when nothing upstream needs it.</summary>
    public IReadOnlyList<string?> InputGradients { get; } = inputGradients;
    public string? Dx => InputGradients.Count > 0 ? InputGradients[0] : null;
    /// <summary>The dx argument of an op call: the span, or <c>default</c> when it is not needed.</summary>
    public string DxArg => Dx ?? "default";
    /// <summary>The planner let dL/dx share dL/dy's memory (<see cref="Layers.LayerOptions.GradientInPlace"/>, sole consumer).</summary>
    public bool DxIsDy { get; } = dxIsDy;

    public string Y() => Y(Name);
    public string DY() => DY(Name);

    /// <summary>CPU forward only: the BatchNorm an inference snapshot folds into this layer (<see cref="NetworkPlan.Folds"/>), or null.</summary>
    public string? FoldedNorm { get; init; }
    /// <summary>CPU forward only: the layer an inference snapshot folds this BatchNorm into, or null.</summary>
    public string? FoldingLayer { get; init; }

    /// <summary>This node's output buffer (n samples). A layer with a BatchNorm folded into it writes, in a frozen copy, the
    /// BatchNorm's output buffer instead (the BatchNorm pass is skipped there).</summary>
    public string OutputBuffer => FoldedNorm is { } norm
        ? $"_frozen ? {T.Buffer(norm + "Output", norm + "Size")} : {T.Buffer(Name + "Output", Name + "Size")}"
        : T.Buffer(Name + "Output", Name + "Size");
    /// <summary>The bias argument of a weighted layer: its bias or <c>default</c>; with a BatchNorm folded into it, the folded
    /// bias in a frozen copy.</summary>
    public string Bias(bool declared)
    {
        string bias = declared ? Parameter("Bias") : "default";
        return FoldedNorm is null ? bias : $"_frozen ? _{Name}FoldedBias : {bias}";
    }
    /// <summary>A buffer forward keeps for backward (<see cref="Layers.SavedBuffer"/>).</summary>
    public string Saved(string suffix) => T.Buffer(Name + suffix, Name + "Size");
    /// <summary>A parameter tensor of this node: suffix "Weight" or "Bias".</summary>
    public string Parameter(string suffix) => T.Parameter(Name + suffix);
    /// <summary>The slice of the gradient block of a parameter of this node.</summary>
    public string Gradient(string suffix) => $"g.Slice({Name}{suffix}Offset, {Name}{suffix}Length)";

    /// <summary>A per-node array of this node (<see cref="Layers.NodeState"/>): <c>_Bn1Mean</c> on the CPU, <c>d.Bn1Mean</c> on a device.</summary>
    public string State(string suffix) => T.IsDevice ? $"d.{Name}{suffix}" : $"_{Name}{suffix}";
    /// <summary>A per-shard array of this node in the CPU workspace: <c>ws.Bn1Partials</c>.</summary>
    public string ShardState(string suffix) => $"ws.{Name}{suffix}";
    /// <summary>A float buffer tensor of this node (suffix in Pascal case, "RunningMean"): a view of the buffer block.</summary>
    public string BufferTensor(string suffix)
        => T.IsDevice ? $"d.Buffers.Slice({Name}{suffix}Offset, {Name}{suffix}Length)" : $"global::System.MemoryExtensions.AsSpan(_buffers, {Name}{suffix}Offset, {Name}{suffix}Length)";
    /// <summary>An int64 buffer of this node (a host counter on both targets): <c>_counters[Bn1NumBatchesTrackedIndex]</c>.</summary>
    public string Counter(string suffix) => $"_counters[{Name}{suffix}Index]";

    public LayerCode Line(string line = "")
    {
        writer.Line(line);
        return this;
    }
}
