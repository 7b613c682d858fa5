namespace DeepPsych.Dsl.Generators.Graph;

/// <summary>One node's backward, in the order backward runs. Before it, each value in <see cref="Allocate"/> gets a
/// gradient slot that is zeroed (backward ops accumulate with +=; zeroing is its own step). <see cref="InputSlots"/>
/// says where each input's dL/dx goes (−1: not needed). <see cref="DxIsDy"/>: the node's only input's gradient shares
/// the node's own dL/dy slot (an in-place kind whose input has no other consumer).</summary>
internal sealed record BackwardStep(int Node, int OutputSlot, EquatableArray<int> InputSlots, EquatableArray<int> Allocate, bool DxIsDy);

/// <summary>A gradient slot: a workspace buffer that holds dL/d(value) for the values listed (never two at once), sized
/// for the largest of them.</summary>
internal sealed record GradientSlot(int PerSample, EquatableArray<int> Values);

/// <summary>Backward's schedule and its gradient buffers, assigned by liveness.</summary>
internal sealed record GradientPlan(int OutputSlot, EquatableArray<BackwardStep> Steps, EquatableArray<GradientSlot> Slots);

/// <summary>Plans backward over a <see cref="NetworkGraph"/>: which nodes run (those with parameters, or with something
/// trainable upstream), and which slot holds each value's gradient. A value's gradient is live from the backward of its
/// last consumer (in forward order; backward meets it first) until its own node's backward has read it, so a value with
/// two consumers gets one slot that both accumulate into: the sum of their gradients, as llm.c's residual_backward.</summary>
internal static class GradientPlanner
{
    /// <param name="output">the node whose output feeds the loss (its dL/dy is written by the loss, not accumulated)</param>
    /// <param name="hasParameters">whether a node has parameters</param>
    /// <param name="gradientInPlace">whether a node's kind can produce dL/dx in dL/dy's memory</param>
    /// <param name="size">floats per sample of a value</param>
    public static GradientPlan Plan(NetworkGraph graph, int output, System.Func<int, bool> hasParameters, System.Func<int, bool> gradientInPlace, System.Func<int, int> size)
    {
        var trainableUpstream = graph.TrainableUpstream(hasParameters);
        bool NeedsGradient(int value) => value != NetworkGraph.NetworkInput && (hasParameters(value) || trainableUpstream[value]);

        var busy = new List<bool>();
        var sizes = new List<int>();
        var members = new List<List<int>>();
        var slotOf = new Dictionary<int, int>();
        int Allocate(int value)
        {
            int slot = busy.IndexOf(false);
            if (slot < 0) { slot = busy.Count; busy.Add(false); sizes.Add(0); members.Add([]); }
            busy[slot] = true;
            Assign(value, slot);
            return slot;
        }
        void Assign(int value, int slot)
        {
            slotOf[value] = slot;
            sizes[slot] = System.Math.Max(sizes[slot], size(value));
            members[slot].Add(value);
        }

        int outputSlot = Allocate(output);
        var steps = new List<BackwardStep>();
        foreach (int node in graph.TopologicalOrder.Reverse())
        {
            if (!slotOf.TryGetValue(node, out int own)) continue;   // no gradient reaches this node
            var inputs = graph.Inputs(node);
            if (!hasParameters(node) && !inputs.Any(NeedsGradient))
            {
                busy[own] = false;   // nothing to train here or upstream: skip, and free dL/dy
                continue;
            }
            bool alias = gradientInPlace(node) && inputs.Count == 1 && NeedsGradient(inputs[0])
                && graph.Consumers(inputs[0]).Count == 1 && !slotOf.ContainsKey(inputs[0]);
            var allocated = new List<int>();
            if (!alias)
                foreach (int value in inputs.Distinct())
                    if (NeedsGradient(value) && !slotOf.ContainsKey(value)) { Allocate(value); allocated.Add(value); }
            if (alias) Assign(inputs[0], own);   // dL/dx is dL/dy's memory: the slot passes to the input
            else busy[own] = false;               // dL/dy has been read: the slot is free
            steps.Add(new BackwardStep(node, own, inputs.Select(v => NeedsGradient(v) ? slotOf[v] : -1).ToEquatableArray(), allocated.ToEquatableArray(), alias));
        }
        var slots = sizes.Select((s, i) => new GradientSlot(s, members[i].ToEquatableArray())).ToEquatableArray();
        return new GradientPlan(outputSlot, steps.ToEquatableArray(), slots);
    }
}
