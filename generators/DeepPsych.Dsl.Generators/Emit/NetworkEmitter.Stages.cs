namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Stages of the CPU pass. The CPU pass splits a batch over shards, one workspace per thread; a node that needs
/// the whole batch in training (<see cref="Layers.LayerOptions.CouplesBatch"/>: BatchNorm's batch statistics) ends a
/// stage. Each stage runs on every shard in parallel and ends with the shards' partial sums; the calling thread combines
/// them and the next stage goes on. Networks without such a node have one stage, and their code is what it always was.</summary>
internal static partial class NetworkEmitter
{
    /// <summary>Nodes per forward stage (CPU): <see cref="NetworkPlan.Order"/> cut before each batch-coupling node, which
    /// starts the next stage (the stage before ends with that node's partial statistics).</summary>
    private static List<List<int>> ForwardStages(NetworkPlan plan, EmitTarget t)
    {
        var stages = new List<List<int>> { new() };
        foreach (int i in plan.Order)
        {
            if (!t.IsDevice && plan.Nodes[i].Options.CouplesBatch) stages.Add(new List<int>());
            stages[stages.Count - 1].Add(i);
        }
        return stages;
    }

    /// <summary>Backward steps per stage (CPU), cut the same way: a batch-coupling node's step starts a stage; the stage
    /// before ends with its partial sums of dL/dy.</summary>
    private static List<List<BackwardStep>> BackwardStages(NetworkPlan plan, EmitTarget t)
    {
        var stages = new List<List<BackwardStep>> { new() };
        foreach (var step in plan.Backward.Steps)
        {
            if (!t.IsDevice && plan.Nodes[step.Node].Options.CouplesBatch) stages.Add(new List<BackwardStep>());
            stages[stages.Count - 1].Add(step);
        }
        return stages;
    }

    /// <summary>Whether the CPU pass has more than one stage.</summary>
    /// <summary>How many ForwardPass/Backward methods the CPU path has (1: not staged), for <see cref="EmittedNames"/>.</summary>
    internal static int ForwardStageCount(NetworkPlan plan) => ForwardStages(plan, EmitTarget.Cpu).Count;
    internal static int BackwardStageCount(NetworkPlan plan) => BackwardStages(plan, EmitTarget.Cpu).Count;

    private static bool Staged(NetworkPlan plan) => plan.Nodes.Any(n => n.Options.CouplesBatch);

    /// <summary>The views a stage reads that earlier stages produced: the inputs of its nodes (and of the node whose
    /// partials end it), through views (Flatten) to the buffers that hold them, in forward order.</summary>
    private static void DeclareEarlierOutputs(CodeWriter w, NetworkPlan plan, EmitTarget t, List<int> stage, int? endsAt, string heading = "What earlier stages produced.")
    {
        var inStage = new HashSet<int>(stage);
        var needed = new HashSet<int>();
        void Need(int value)
        {
            if (value == NetworkGraph.NetworkInput || inStage.Contains(value) || !needed.Add(value)) return;
            if (!plan.Nodes[value].Options.OwnsOutput) Need(plan.Nodes[value].Layer.Inputs[0]);
        }
        foreach (int i in stage.Concat(endsAt is { } e ? new[] { e } : []))
            foreach (int v in plan.Nodes[i].Layer.Inputs) Need(v);
        if (needed.Count == 0) return;
        w.Line("// " + heading);
        foreach (int i in plan.Order.Where(needed.Contains))
        {
            var node = plan.Nodes[i];
            string kept = node.Options.OwnsOutput ? t.Buffer(node.Name + "Output", node.Name + "Size") : InputSpans(plan, node)[0];
            w.Line($"{t.View} {LayerCode.Y(node.Name)} = {kept};");
        }
        w.Line();
    }

    /// <summary>TrainingRound and TrainShard of a staged CPU pass: stage jobs on the worker pool, the combining steps between them.</summary>
    private static void EmitStagedTraining(CodeWriter w, NetworkPlan plan)
    {
        var forward = ForwardStages(plan, EmitTarget.Cpu);
        var backward = BackwardStages(plan, EmitTarget.Cpu);
        int last = forward.Count - 1;

        w.Line("/// <summary>A training step's one round, in stages: each stage runs on every shard in parallel (<see cref=\"TrainShard\"/>); between");
        w.Line("/// stages the calling thread combines the shards' partial sums, because batch normalisation needs the whole batch.</summary>");
        w.Open("private void TrainingRound(int shards, global::System.Span<float> outputs)");
        for (int k = 0; k < forward.Count; k++)
        {
            if (k > 0)
            {
                var node = plan.Nodes[forward[k][0]];
                node.Options.ForwardCombine(new LayerCode(w, node, EmitTarget.Cpu, InputSpans(plan, node), [], dxIsDy: false));
            }
            w.Line($"RunStage({k}, shards);   // {StageText(plan, forward[k], k < last ? forward[k + 1][0] : null, backward[0])}");
        }
        for (int j = 1; j < backward.Count; j++)
        {
            var step = backward[j][0];
            var node = plan.Nodes[step.Node];
            if (j == 1) w.Line("global::System.Span<float> g = _gradients;   // the calling thread adds dγ, dβ once, into the network's block");
            node.Options.BackwardCombine(new LayerCode(w, node, EmitTarget.Cpu, InputSpans(plan, node), [], dxIsDy: false));
            w.Line($"RunStage({last + j}, shards);   // {node.Path} backward" + (j + 1 < backward.Count ? $" … {plan.Nodes[backward[j + 1][0].Node].Path}'s partial sums" : " … the first layer"));
        }
        EmitRoundEnd(w);
        w.Close();
        w.Line();
        w.Open("private void RunStage(int stage, int shards)");
        w.Line("_stage = stage;");
        w.Line("global::DeepPsych.Dsl.Execution.WorkerPool.Shared.Run(shards, _trainShard, _threads);   // a single shard lends its spare threads to its big ops");
        w.Close();
        w.Line();
        w.Line("/// <summary>Stage <see cref=\"_stage\"/> of a training step on one shard.</summary>");
        w.Open("private void TrainShard(int shard)");
        w.Line("var ws = _workspaces[shard];");
        w.Line("global::System.Span<float> g = shard == 0 ? _gradients : ws.Gradients;   // shard 0 adds into the network's block, the others into their own");
        w.Open("switch (_stage)");
        for (int k = 0; k < last; k++)
            w.Line($"case {k}: ForwardPass{k}(ws, ws.Count, training: true); break;");
        w.Open($"case {last}:");
        w.Line($"ForwardPass{last}(ws, ws.Count, training: true);");
        w.Line("Backward0(ws, ws.Count, g);");
        w.Line("break;");
        w.Close();
        for (int j = 1; j < backward.Count; j++)
            w.Line($"case {last + j}: Backward{j}(ws, ws.Count, g); break;");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>"C1 … Bn1's partial statistics" for the comment beside a stage job.</summary>
    private static string StageText(NetworkPlan plan, List<int> stage, int? endsAt, List<BackwardStep> firstBackward)
    {
        string first = stage.Count > 0 ? plan.Nodes[stage[0]].Path : "";
        if (endsAt is { } e) return $"{(first.Length > 0 ? first + " … " : "")}{plan.Nodes[e].Path}'s partial statistics";
        string tail = firstBackward.Count > 0 && firstBackward.Count < plan.Backward.Steps.Length
            ? $"{plan.Nodes[plan.Backward.Steps[firstBackward.Count].Node].Path}'s partial sums"
            : "the first layer";
        return $"{first} … the loss, backward … {tail}";
    }
}
