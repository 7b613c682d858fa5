namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Training entry points: ComputeGradients in rounds of cache-sized shards, the shard scatter/gather around the worker
/// pool, FirstNonFiniteLayer.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitTraining(CodeWriter w, NetworkPlan plan)
    {
        bool sce = plan.Loss == Loss.SoftmaxCrossEntropy;
        var loss = LossCode.For(plan);
        w.Line("/// <summary>One training step's gradients: forward, softmax + cross-entropy, backward. Adds dL/dθ of the batch-mean");
        w.Line("/// loss into <see cref=\"Gradients\"/> and returns that loss.</summary>");
        w.Open("public float ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch, global::System.Span<float> outputs = default)");
        if (sce)
        {
            w.Line("global::DeepPsych.Dsl.Execution.NetworkChecks.Training(Name, batch, input.Length, InputLength, labels.Length, 1, \"labels\", outputs.Length, OutputLength);");
            EmitTrainingChecks(w, plan);
            if (loss.Prepare is { } prepare) w.Line(prepare);
            w.Line("if (_device is { } device) return DeviceTrainingStep(device, input, labels, batch, outputs);");
            EmitTrainingRounds(w, plan, "labels.Slice(_workspaces[s].First, _workspaces[s].Count).CopyTo(_workspaces[s].Labels)");
        }
        else
            w.Line("throw global::DeepPsych.Dsl.Execution.NetworkChecks.WrongTargets(Name, \"MeanSquaredError\", \"float targets\", OutputLength);");
        w.Close();
        w.Line();
        w.Line("/// <summary>As the label overload, for a mean-squared-error network: <paramref name=\"targets\"/> holds OutputLength floats per sample.</summary>");
        w.Open("public float ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> targets, int batch, global::System.Span<float> outputs = default)");
        if (!sce)
        {
            w.Line("global::DeepPsych.Dsl.Execution.NetworkChecks.Training(Name, batch, input.Length, InputLength, targets.Length, OutputLength, \"targets\", outputs.Length, OutputLength);");
            EmitTrainingChecks(w, plan);
            w.Line("if (_device is { } device) return DeviceTrainingStep(device, input, targets, batch, outputs);");
            EmitTrainingRounds(w, plan, "targets.Slice(_workspaces[s].First * OutputLength, _workspaces[s].Count * OutputLength).CopyTo(_workspaces[s].Targets)");
        }
        else
            w.Line("throw global::DeepPsych.Dsl.Execution.NetworkChecks.WrongTargets(Name, \"SoftmaxCrossEntropy\", \"int class labels\", OutputLength);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Starts a training step over <paramref name=\"batch\"/> samples: the shards' loss sums and (beyond shard 0, which adds");
        w.Line("/// straight into the network's block) their gradient blocks zeroed; every round of the step adds into them.</summary>");
        w.Open("private int StartTrainingStep(int batch)");
        w.Line("_batch = batch;");
        w.Line("_nonFiniteLayer = null;");
        w.Line("int shards = global::DeepPsych.Dsl.Execution.Shards.CountFor(batch, _threads);");
        w.Line("GrowWorkspaces(shards);");
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("var ws = _workspaces[s];");
        w.Line("ws.LossSum = 0;");
        w.Line("if (s == 0) continue;");
        w.Line("if (ws.Gradients.Length == 0) ws.Gradients = new float[ParameterCount];   // once per shard");
        w.Line("else global::System.Array.Clear(ws.Gradients);");
        w.Close();
        w.Line("return shards;");
        w.Close();
        w.Line();

        if (Staged(plan)) EmitStagedTraining(w, plan);
        else
        {
            w.Line("/// <summary>One round of a training step: forward, loss and backward on every shard in parallel.</summary>");
            w.Open("private void TrainingRound(int shards, global::System.Span<float> outputs)");
            w.Line("global::DeepPsych.Dsl.Execution.WorkerPool.Shared.Run(shards, _trainShard, _threads);   // a single shard lends its spare threads to its big ops");
            EmitRoundEnd(w);
            w.Close();
            w.Line();
            w.Open("private void TrainShard(int shard)");
            w.Line("var ws = _workspaces[shard];");
            w.Line("ForwardPass(ws, ws.Count, training: true);");
            w.Line("Backward(ws, ws.Count, shard == 0 ? _gradients : ws.Gradients);   // shard 0 adds into the network's block, the others into their own");
            w.Close();
            w.Line();
        }

        w.Line("/// <summary>The end of a training step: the shards' losses and gradients summed.</summary>");
        w.Open("private float FinishTrainingStep(int shards, int batch)");
        w.Line("double loss = 0;");
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("loss += _workspaces[s].LossSum;");
        w.Line("if (s > 0) global::DeepPsych.Dsl.Execution.NetworkChecks.AddInto(_gradients, _workspaces[s].Gradients);   // shard 0 added into _gradients directly");
        w.Close();
        w.Line("if (shards > 1) _gradientReadySink?.GradientsReady(0, ParameterCount);   // the shards' sum is final only now: the whole block at once");
        w.Line("Step++;");
        w.Line($"return (float)(loss / {loss.Divisor});");
        w.Close();
        w.Line();

        w.Line("/// <summary>Splits samples [<paramref name=\"first\"/>, first + <paramref name=\"count\"/>) of a batch into shards and copies each");
        w.Line("/// shard's inputs into its workspace (<c>First</c> counts from the start of the whole batch).</summary>");
        w.Open("private int Scatter(global::System.ReadOnlySpan<float> input, int first, int count)");
        w.Line("int shards = global::DeepPsych.Dsl.Execution.Shards.CountFor(count, _threads);");
        w.Line("GrowWorkspaces(shards);");
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("var ws = _workspaces[s];");
        w.Line("ws.First = first + global::DeepPsych.Dsl.Execution.Shards.Start(count, shards, s);");
        w.Line("ws.Count = global::DeepPsych.Dsl.Execution.Shards.Length(count, shards, s);");
        w.Line("ws.Reserve(ws.Count);");
        w.Line("input.Slice(ws.First * InputLength, ws.Count * InputLength).CopyTo(ws.Input);");
        w.Close();
        w.Line("_shardCount = shards;");
        w.Line("return shards;");
        w.Close();
        w.Line();
        w.Open("private void GrowWorkspaces(int shards)");
        w.Line("if (_workspaces.Length >= shards) return;");
        w.Line("var grown = new Workspace[shards];");
        w.Line("global::System.Array.Copy(_workspaces, grown, _workspaces.Length);");
        w.Line("for (int s = _workspaces.Length; s < shards; s++) grown[s] = new Workspace();");
        w.Line("_workspaces = grown;");
        w.Close();
        w.Line();
        w.Open("private void Gather(global::System.Span<float> output, int shards)");
        w.Line("for (int s = 0; s < shards; s++)");
        w.Line($"    _workspaces[s].OutputSpan().CopyTo(output.Slice(_workspaces[s].First * OutputLength));");
        w.Close();
        w.Line();

        w.Line("/// <summary>The first layer, in forward order, whose output in the last training step held NaN or ±∞; null when all were");
        w.Line("/// finite. A step of several rounds keeps only the last round's outputs, so the round whose loss turned non-finite");
        w.Line("/// names its layer as it ends (<see cref=\"_nonFiniteLayer\"/>).</summary>");
        w.Open("public string? FirstNonFiniteLayer()");
        w.Line("if (_device is { } device) return DeviceFirstNonFiniteLayer(device);");
        w.Line("return _nonFiniteLayer ?? NonFiniteLayer(_shardCount);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The first layer, in forward order, whose output in the shards' last round held NaN or ±∞; null when all were finite.</summary>");
        w.Open("private string? NonFiniteLayer(int shards)");
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("var ws = _workspaces[s];");
        foreach (var node in plan.Nodes.Where(n => n.Options.OwnsOutput))
            w.Line($"if (!global::DeepPsych.Dsl.Execution.NetworkChecks.AllFinite(global::System.MemoryExtensions.AsSpan(ws.{node.Name}Output, 0, ws.Count * {node.Name}Size))) return {node.PathLiteral};");
        w.Close();
        w.Line("return null;");
        w.Close();
        w.Line();
    }

    /// <summary>The rounds of a training step (the body of ComputeGradients after its checks): a large batch runs in rounds
    /// of at most MicroBatch samples per shard, each shard's targets copied beside its inputs by <paramref name="copyTargets"/>.</summary>
    private static void EmitTrainingRounds(CodeWriter w, NetworkPlan plan, string copyTargets)
    {
        w.Line("int shards = StartTrainingStep(batch);");
        if (Staged(plan))
            w.Line("int roundLength = batch;   // one round: batch normalisation needs the whole batch's statistics, and every shard keeps its slice's outputs for backward");
        else
        {
            w.Line("// Rounds of at most MicroBatch samples per shard, so the workspaces stay the size of the cache however large the batch:");
            w.Line("// backward adds each round's dL/dθ and loss to the step's, and the sums over the rounds are the batch's.");
            w.Line("int roundLength = global::DeepPsych.Dsl.Execution.Shards.RoundLength(batch, _threads, MicroBatch);");
        }
        w.Open("for (int first = 0; first < batch; first += roundLength)");
        w.Line("int roundShards = Scatter(input, first, global::System.Math.Min(roundLength, batch - first));");
        w.Line($"for (int s = 0; s < roundShards; s++) {copyTargets};");
        w.Line("// One shard adds straight into _gradients, so in the last round a layer's dL/dθ is final when its backward returns:");
        w.Line("// the backward pass reports each layer to the gradient sink then (GradientsReadyLines). Otherwise FinishTrainingStep does.");
        w.Line("_readyInBackward = shards == 1 && first + roundLength >= batch ? _gradientReadySink : null;");
        w.Line("TrainingRound(roundShards, outputs);");
        w.Close();
        w.Line("return FinishTrainingStep(shards, batch);");
    }

    /// <summary>The end of a round: the first round whose loss is not finite names its layer (the next round overwrites the
    /// outputs), and the outputs are gathered.</summary>
    private static void EmitRoundEnd(CodeWriter w)
    {
        w.Line("for (int s = 0; s < shards && _nonFiniteLayer is null; s++)");
        w.Line("    if (!double.IsFinite(_workspaces[s].LossSum)) _nonFiniteLayer = NonFiniteLayer(shards);   // the next round overwrites these outputs");
        w.Line("if (!outputs.IsEmpty) Gather(outputs, shards);");
    }

    /// <summary>The call after a node's backward that reports its parameters' gradients final (none when it has no
    /// parameters). A node's tensors lie side by side in the block (weight, bias), so one range covers them; tensors that
    /// did not would be reported one call each.</summary>
    private static IEnumerable<string> GradientsReadyLines(NodePlan node)
    {
        var p = node.Parameters;
        bool adjacent = Enumerable.Range(1, Math.Max(0, p.Length - 1)).All(k => p[k].Offset == p[k - 1].Offset + p[k - 1].Length);
        if (p.Length > 0 && adjacent)
            yield return $"_readyInBackward?.GradientsReady({p[0].Id}Offset, {string.Join(" + ", p.Select(t => t.Id + "Length"))});   // {node.Path}'s dL/dθ is final";
        else
            foreach (var t in p)
                yield return $"_readyInBackward?.GradientsReady({t.Id}Offset, {t.Id}Length);   // {node.Path}'s {t.Suffix} gradient is final";
    }

    /// <summary>The layers' own checks of a training call's batch (BatchNorm's batch of one).</summary>
    private static void EmitTrainingChecks(CodeWriter w, NetworkPlan plan)
    {
        foreach (var node in plan.Nodes) node.Options.TrainingCheck(new LayerCode(w, node, EmitTarget.Cpu, [], [], dxIsDy: false));
    }
}
