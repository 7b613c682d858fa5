using System.Collections.Generic;
using System.Linq;
using DeepPsych.Dsl.Generators.Model;

namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>One per-sample buffer of a workspace: its field name, element type, floats (or ints) per sample and why it exists.</summary>
internal sealed record BufferPlan(string Field, bool IsInt, string PerSample, string Why);

/// <summary>The memory plan, computed at build time: the buffers a batch shard (CPU) or the device workspace needs, per
/// sample. Every layer's output is kept for backward (Flatten is a view, no buffer); max pooling keeps its switches,
/// dropout its mask; activation gradients need only two ping-pong buffers of the largest activation.</summary>
internal static class MemoryPlan
{
    public static IReadOnlyList<BufferPlan> PerSample(NetworkPlan plan)
    {
        var buffers = new List<BufferPlan> { new("Input", false, "InputLength", "the shard's inputs") };
        foreach (var node in plan.Nodes)
        {
            var kind = node.Layer.Kind;
            if (kind != LayerKind.Flatten) buffers.Add(new(node.Name + "Output", false, node.Name + "Size", $"{node.Name}'s output y"));
            if (kind == LayerKind.MaxPool2D) buffers.Add(new(node.Name + "Switches", true, node.Name + "Size", "which input won each window"));
            if (kind == LayerKind.Dropout) buffers.Add(new(node.Name + "Mask", false, node.Name + "Size", "the dropout mask, 0 or 1/(1-p)"));
        }
        int largest = System.Math.Max(plan.InputLength, plan.Nodes.Max(n => n.OutputLength));
        buffers.Add(new("GradA", false, largest.ToString(), $"dL/d(activation), ping: the largest activation is {largest} floats"));
        buffers.Add(new("GradB", false, largest.ToString(), "dL/d(activation), pong"));
        buffers.Add(plan.Loss == LossKind.SoftmaxCrossEntropy
            ? new BufferPlan("Labels", true, "1", "class labels")
            : new BufferPlan("Targets", false, "OutputLength", "regression targets"));
        return buffers;
    }
}
