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
        else
            w.Line("private void InferShard(int shard) => ForwardPass(_workspaces[shard], _workspaces[shard].Count, training: false);");
        w.Line();

        EmitForwardPass(w, plan, EmitTarget.Cpu);
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
            foreach (int i in stages[k])
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
