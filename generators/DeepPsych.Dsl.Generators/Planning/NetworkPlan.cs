using DeepPsych.Dsl.Generators.Model;

namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>One parameter tensor in the network's contiguous block.</summary>
internal sealed record ParameterPlan(string Name, EquatableArray<int> Shape, int Offset, int Length, int FanIn, int FanOut, InitKind Init);

/// <summary>A node of the network graph with everything the emitter needs: shapes, parameter slices, cost.
/// Nodes are in topological order; <see cref="LayerSpec.Inputs"/> holds node indices (-1 = the network input).</summary>
internal sealed record NodePlan(
    LayerSpec Layer,
    EquatableArray<int> InputShape,
    EquatableArray<int> OutputShape,
    ParameterPlan? Weights,
    ParameterPlan? Bias,
    long Flops)
{
    public string Name => Layer.Name;
    public int InputLength => Shapes.ShapeMath.Product(InputShape);
    public int OutputLength => Shapes.ShapeMath.Product(OutputShape);
    public bool HasParameters => Weights is not null;
}

/// <summary>The checked, laid-out network: what the emitter turns into C#. Holds no locations, so edits that move
/// code without changing the architecture leave this (and the generated source) cached.</summary>
internal sealed record NetworkPlan(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string Accessibility,
    EquatableArray<int> InputShape,
    LossKind Loss,
    EquatableArray<NodePlan> Nodes,
    int ParameterCount,
    long Flops,
    string ArchitectureHash)
{
    public int InputLength => Shapes.ShapeMath.Product(InputShape);
    public NodePlan Output => Nodes[Nodes.Length - 1];
}

/// <summary>What planning produced: a plan when the network is valid, and all diagnostics (with locations).</summary>
internal sealed record PlanResult(NetworkPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
