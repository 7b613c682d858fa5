namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>One per-sample buffer of a workspace: its field name, element type, floats (or ints) per sample and why it exists.</summary>
internal sealed record BufferPlan(string Field, bool IsInt, string PerSample, string Why);

/// <summary>The memory plan, computed at build time: the buffers a batch shard (CPU) or the device workspace needs, per
/// sample. Every value forward produces is kept (backward and FirstNonFiniteLayer read them; a view such as Flatten
/// has no buffer), with what each kind keeps for backward beside it (max-pool switches, dropout masks). Gradients of
/// values live in the slots the gradient planner assigned by liveness: a chain needs two, ping-pong.</summary>
internal static class MemoryPlan
{
    public static IReadOnlyList<BufferPlan> PerSample(NetworkPlan plan)
    {
        var buffers = new List<BufferPlan> { new("Input", false, "InputLength", "the shard's inputs") };
        foreach (var node in plan.Nodes)
        {
            if (node.Options.OwnsOutput) buffers.Add(new(node.Name + "Output", false, node.Name + "Size", $"{node.Name}'s output y"));
            foreach (var saved in node.Options.Saved)
                buffers.Add(new(node.Name + saved.Suffix, saved.IsInt, node.Name + "Size", saved.Why));
        }
        for (int s = 0; s < plan.Backward.Slots.Length; s++)
        {
            var slot = plan.Backward.Slots[s];
            buffers.Add(new(GradientSlotField(s), false, slot.PerSample.ToString(),
                $"dL/dy of {string.Join(", ", slot.Values.Select(v => plan.Nodes[v].Name))} in turn (live one at a time); the largest is {slot.PerSample} floats"));
        }
        buffers.Add(plan.Loss == Loss.SoftmaxCrossEntropy
            ? new BufferPlan("Labels", true, "1", "class labels")
            : new BufferPlan("Targets", false, "OutputLength", "regression targets"));
        return buffers;
    }

    /// <summary>The workspace field of a gradient slot: GradA, GradB, …</summary>
    public static string GradientSlotField(int slot) => slot < 26 ? "Grad" + (char)('A' + slot) : "Grad" + slot;

    /// <summary>The workspace array holding the network output: the output node's, or its view's source (Flatten).</summary>
    public static string OutputField(NetworkPlan plan)
    {
        int value = plan.OutputNode;
        while (value >= 0 && !plan.Nodes[value].Options.OwnsOutput) value = plan.Nodes[value].Layer.Inputs[0];
        return value < 0 ? "Input" : plan.Nodes[value].Name + "Output";
    }
}
