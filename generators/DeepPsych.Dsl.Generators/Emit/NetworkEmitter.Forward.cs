namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Inference and the forward pass (CPU shard and device), one block per node in topological order.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitForward(CodeWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>Inference: <paramref name=\"batch\"/> samples in, raw outputs out (dropout off). Splits the batch over <see cref=\"Threads\"/>,");
        w.Line("/// in rounds of at most <see cref=\"MicroBatch\"/> samples per shard.</summary>");
        w.Open("public void Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch)");
        w.Line("global::DeepPsych.Dsl.Execution.NetworkChecks.Inference(Name, batch, input.Length, InputLength, output.Length, OutputLength);");
        w.Line("if (_device is { } device) { DeviceForward(device, input, output, batch); return; }");
        w.Line("int roundLength = global::DeepPsych.Dsl.Execution.Shards.RoundLength(batch, _threads, MicroBatch);   // the workspaces stay the size of the cache");
        w.Open("for (int first = 0; first < batch; first += roundLength)");
        w.Line("int shards = Scatter(input, first, global::System.Math.Min(roundLength, batch - first));");
        w.Line("global::DeepPsych.Dsl.Execution.WorkerPool.Shared.Run(shards, _inferShard, _threads);   // a single shard lends its spare threads to its big ops");
        w.Line("Gather(output, shards);");
        w.Close();
        w.Close();
        w.Line();
        if (Staged(plan))
        {
            w.Line("/// <summary>Inference on one shard: every stage in turn (eval mode uses the running statistics, so no stage waits for the others).</summary>");
            w.Open("private void InferShard(int shard)");
            w.Line("var ws = _workspaces[shard];");
            for (int k = 0; k < ForwardStages(plan, EmitTarget.Cpu).Count; k++) w.Line($"ForwardPass{k}(ws, ws.Count, training: false);");
            w.Close();
        }
        else if (DepthFirst(plan) is { } depthFirst)
            EmitDepthFirstInference(w, plan, depthFirst);
        else
            w.Line("private void InferShard(int shard) => ForwardPass(_workspaces[shard], _workspaces[shard].Count, training: false);");
        w.Line();

        EmitForwardPass(w, plan, EmitTarget.Cpu);
    }

    /// <summary>Depth-first inference: the layers before the first that prefers the whole batch (<see cref="Prefix"/>, e.g.
    /// LeNet-5's convolutions and pools before F5) run <see cref="Chunk"/> samples at a time, so each reads what the one before
    /// it wrote while that is still in the core's cache; the rest (<see cref="Tail"/>) runs on the whole shard.
    /// <see cref="Boundary"/>: the one prefix node whose output the tail reads.</summary>
    private sealed record DepthFirstPlan(List<int> Prefix, List<int> Tail, int Boundary, int Chunk);

    /// <summary>The depth-first split of a network's CPU inference, or null where it does not apply: a network with a
    /// batch-coupling stage, no layer that prefers the whole batch (or only the first), a tail that reads the network input or
    /// more than one prefix output, or a prefix too large per sample for a chunk (<see cref="MemoryPlan.InferenceChunk"/>).</summary>
    private static DepthFirstPlan? DepthFirst(NetworkPlan plan)
    {
        if (Staged(plan)) return null;
        var order = plan.Order.ToList();
        int split = order.FindIndex(i => plan.Nodes[i].Options.PrefersWholeBatch);
        if (split <= 0) return null;
        List<int> prefix = order.GetRange(0, split), tail = order.GetRange(split, order.Count - split);
        var inPrefix = new HashSet<int>(prefix);
        var read = tail.SelectMany(i => plan.Nodes[i].Layer.Inputs).Where(v => v == NetworkGraph.NetworkInput || inPrefix.Contains(v))
            .Select(v => MemoryPlan.Holder(plan, v)).Distinct().ToList();
        if (read.Count != 1 || read[0] == NetworkGraph.NetworkInput || inPrefix.Contains(plan.OutputNode)) return null;
        int chunk = MemoryPlan.InferenceChunk(plan, prefix);
        return chunk == 0 ? null : new DepthFirstPlan(prefix, tail, read[0], chunk);
    }

    /// <summary>Whether the network's CPU inference runs depth first (InferChunk and InferTail; <see cref="DepthFirst"/>).</summary>
    internal static bool InfersDepthFirst(NetworkPlan plan) => DepthFirst(plan) is not null;

    private static void EmitDepthFirstInference(CodeWriter w, NetworkPlan plan, DepthFirstPlan d)
    {
        var boundary = plan.Nodes[d.Boundary];
        w.Line($"private const int InferenceChunk = {d.Chunk};   // samples per depth-first chunk: what {boundary.Path} and the layers before it hold of them fits a core's cache (MemoryPlan.InferenceChunk)");
        w.Line();
        w.Line("/// <summary>Inference on one shard, depth first: the layers up to " + boundary.Path + " run <see cref=\"InferenceChunk\"/> samples at a time");
        w.Line("/// (<see cref=\"InferChunk\"/>), so each reads its input from the core's cache; the rest run on the whole shard (<see cref=\"InferTail\"/>).");
        w.Line("/// The workspace then holds every layer's output only for the last chunk, except " + boundary.Path + "'s and the later layers'.</summary>");
        w.Open("private void InferShard(int shard)");
        w.Line("var ws = _workspaces[shard];");
        w.Line("int n = ws.Count;");
        w.Line("if (n <= InferenceChunk) { ForwardPass(ws, n, training: false); return; }");
        w.Line("for (int first = 0; first < n; first += InferenceChunk) InferChunk(ws, first, global::System.Math.Min(InferenceChunk, n - first), training: false);");
        w.Line("InferTail(ws, n, training: false);");
        w.Close();
        w.Line();

        var chunk = EmitTarget.CpuChunk(boundary.Name + "Output");
        w.Line($"/// <summary>The layers up to {boundary.Path} on samples [first, first + n) of the shard: their outputs are the chunk's own, at the start of");
        w.Line($"/// each buffer, except {boundary.Path}'s, which the rest of the network reads for the whole shard.</summary>");
        w.Open("private void InferChunk(Workspace ws, int first, int n, bool training)");
        w.Line("global::System.Span<float> x = global::System.MemoryExtensions.AsSpan(ws.Input, first * InputLength, n * InputLength);");
        w.Line();
        foreach (int i in d.Prefix) EmitForwardNode(w, plan, i, chunk);
        w.Close();
        w.Line();

        w.Line($"/// <summary>The layers after {boundary.Path}, on the whole shard.</summary>");
        w.Open("private void InferTail(Workspace ws, int n, bool training)");
        DeclareEarlierOutputs(w, plan, EmitTarget.Cpu, d.Tail, null, heading: "What the chunks produced, for the whole shard.");
        foreach (int i in d.Tail) EmitForwardNode(w, plan, i, EmitTarget.Cpu);
        w.Close();
    }

    /// <summary>One node's forward statements, with its comment line.</summary>
    private static void EmitForwardNode(CodeWriter w, NetworkPlan plan, int i, EmitTarget t)
    {
        var node = plan.Nodes[i];
        w.Line($"// {node.Path} — {node.Options.Describe()}, {Shapes(node)}");
        var fold = t.IsDevice ? null : plan.FoldOf(i);
        node.Options.Forward(new LayerCode(w, node, t, InputSpans(plan, node), [], dxIsDy: false)
        {
            FoldedNorm = fold?.Layer == i ? plan.Nodes[fold.Norm].Name : null,
            FoldingLayer = fold?.Norm == i ? plan.Nodes[fold.Layer].Name : null,
        });
        w.Line();
    }

    /// <summary>ForwardPass (a CPU shard; ForwardPass0, 1, … when staged) or DeviceForwardPass (the device workspace):
    /// the same statements per layer.</summary>
    private static void EmitForwardPass(CodeWriter w, NetworkPlan plan, EmitTarget t)
    {
        var stages = ForwardStages(plan, t);
        for (int k = 0; k < stages.Count; k++)
        {
            int? endsAt = k + 1 < stages.Count ? stages[k + 1][0] : null;
            if (stages.Count == 1)
            {
                w.Line($"/// <summary>The forward pass over {(t.IsDevice ? "the device workspace's" : "one shard of")} <paramref name=\"n\"/> samples. Every layer's output stays in the");
                w.Line("/// workspace because backward needs it (and max-pool switches and dropout masks beside them).</summary>");
            }
            else
            {
                w.Line($"/// <summary>Stage {k} of the forward pass over one shard of <paramref name=\"n\"/> samples. Every layer's output stays in the");
                w.Line(endsAt is { } e
                    ? $"/// workspace because backward needs it. The stage ends because {plan.Nodes[e].Path} needs the whole batch's statistics in training.</summary>"
                    : "/// workspace because backward needs it.</summary>");
            }
            w.Open(t.IsDevice ? "private void DeviceForwardPass(DeviceWorkspace d, int n, bool training)" : $"private void ForwardPass{(stages.Count == 1 ? "" : k.ToString())}(Workspace ws, int n, bool training)");
            if (t.IsDevice) w.Line("var b = d.Backend;");
            w.Line($"{t.View} x = {t.Buffer("Input", "InputLength")};");
            w.Line();
            DeclareEarlierOutputs(w, plan, t, stages[k], endsAt);
            foreach (int i in stages[k]) EmitForwardNode(w, plan, i, t);
            if (endsAt is { } end)
            {
                var node = plan.Nodes[end];
                w.Line($"// Stage ends: {node.Path} normalises with the whole batch's statistics, so each shard stops at its partial sums.");
                node.Options.ForwardPartials(new LayerCode(w, node, t, InputSpans(plan, node), [], dxIsDy: false));
            }
            w.Close();
            w.Line();
        }
    }

    /// <summary>The spans a node reads: <c>x</c> for the network input, <c>yC1</c> for C1's output.</summary>
    private static string[] InputSpans(NetworkPlan plan, NodePlan node)
        => node.Layer.Inputs.Select(v => plan.Producer(v) is { } p ? LayerCode.Y(p.Name) : "x").ToArray();

    private static string Shapes(NodePlan node) => $"{string.Join(" + ", node.InputShapes.Select(shape => ShapeMath.Format(shape)))} → {ShapeMath.Format(node.OutputShape)}";
}
