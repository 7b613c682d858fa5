namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The CPU workspace of one batch shard, from the memory plan.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitWorkspace(CodeWriter w, NetworkPlan plan)
    {
        var buffers = MemoryPlan.PerSample(plan);
        w.Line("/// <summary>The memory of one batch shard, sized at build time per sample and grown (never per step) to the");
        w.Line($"/// largest round a shard has run ({(Staged(plan) ? "MicroBatch samples in inference; a training step's whole slice, which batch normalisation couples" : "at most MicroBatch samples, however large the batch")}):");
        w.Line("/// each layer's output, max-pool switches, dropout masks, the gradient slots, and this shard's parameter gradients.</summary>");
        w.Open("private sealed class Workspace");
        w.Line("public int Capacity, Count, First;");
        w.Line("public double LossSum;   // this shard's loss over the step's rounds so far");
        foreach (var b in buffers)
            w.Line($"public {(b.IsInt ? "int" : "float")}[] {b.Field} = [];   // {b.Why}");
        w.Line("public float[] Gradients = [];   // this shard's dL/dθ (shard 0 adds straight into the network's block)");
        foreach (var node in plan.Nodes)
            foreach (var state in node.Options.State(node).Where(st => st.Scope == Layers.StateScope.Shard))
                w.Line($"public readonly {state.Type}[] {node.Name}{state.Suffix} = new {state.Type}[{state.Length}];   // {state.Why}");
        w.Line();
        w.Line($"public global::System.Span<float> OutputSpan() => global::System.MemoryExtensions.AsSpan({MemoryPlan.OutputField(plan)}, 0, Count * OutputLength);");
        w.Line();
        w.Open("public void Reserve(int samples)");
        w.Line("if (samples <= Capacity) return;");
        w.Line("Capacity = samples;");
        foreach (var b in buffers)
            w.Line($"{b.Field} = new {(b.IsInt ? "int" : "float")}[{Samples(b)}];");
        w.Close();
        w.Close();
    }

    /// <summary>Elements of a buffer for <c>samples</c> samples.</summary>
    private static string Samples(BufferPlan b) => b.PerSample == "1" ? "samples" : $"samples * {b.PerSample}";
}
