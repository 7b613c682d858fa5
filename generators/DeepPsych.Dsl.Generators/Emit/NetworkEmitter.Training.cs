namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Training entry points: ComputeGradients, the shard scatter/gather around the worker pool, FirstNonFiniteLayer.</summary>
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
            w.Line("int shards = Scatter(input, batch);");
            w.Line("for (int s = 0; s < shards; s++) labels.Slice(_workspaces[s].First, _workspaces[s].Count).CopyTo(_workspaces[s].Labels);");
            w.Line("return TrainingStep(shards, batch, outputs);");
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
            w.Line("int shards = Scatter(input, batch);");
            w.Line("for (int s = 0; s < shards; s++) targets.Slice(_workspaces[s].First * OutputLength, _workspaces[s].Count * OutputLength).CopyTo(_workspaces[s].Targets);");
            w.Line("return TrainingStep(shards, batch, outputs);");
        }
        else
            w.Line("throw global::DeepPsych.Dsl.Execution.NetworkChecks.WrongTargets(Name, \"SoftmaxCrossEntropy\", \"int class labels\", OutputLength);");
        w.Close();
        w.Line();

        if (Staged(plan)) EmitStagedTraining(w, plan);
        else
        {
            w.Open("private float TrainingStep(int shards, int batch, global::System.Span<float> outputs)");
            w.Line("_batch = batch;");
            EmitReadyInBackward(w);
            w.Line("global::DeepPsych.Dsl.Execution.WorkerPool.Shared.Run(shards, _trainShard);");
            EmitStepEnd(w, loss);
            w.Close();
            w.Line();
            w.Open("private void TrainShard(int shard)");
            w.Line("var ws = _workspaces[shard];");
            w.Line("ForwardPass(ws, ws.Count, training: true);");
            w.Line("if (shard != 0 && ws.Gradients.Length == 0) ws.Gradients = new float[ParameterCount];   // once per shard");
            w.Line("global::System.Span<float> g = shard == 0 ? _gradients : ws.Gradients;");
            w.Line("if (shard != 0) g.Clear();");
            w.Line("Backward(ws, ws.Count, g);");
            w.Close();
            w.Line();
        }

        w.Line("/// <summary>Splits a batch into shards and copies each shard's inputs into its workspace.</summary>");
        w.Open("private int Scatter(global::System.ReadOnlySpan<float> input, int batch)");
        w.Line("int shards = global::DeepPsych.Dsl.Execution.Shards.CountFor(batch, _threads);");
        w.Open("if (_workspaces.Length < shards)");
        w.Line("var grown = new Workspace[shards];");
        w.Line("global::System.Array.Copy(_workspaces, grown, _workspaces.Length);");
        w.Line("for (int s = _workspaces.Length; s < shards; s++) grown[s] = new Workspace();");
        w.Line("_workspaces = grown;");
        w.Close();
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("var ws = _workspaces[s];");
        w.Line("ws.First = global::DeepPsych.Dsl.Execution.Shards.Start(batch, shards, s);");
        w.Line("ws.Count = global::DeepPsych.Dsl.Execution.Shards.Length(batch, shards, s);");
        w.Line("ws.Reserve(ws.Count);");
        w.Line("input.Slice(ws.First * InputLength, ws.Count * InputLength).CopyTo(ws.Input);");
        w.Close();
        w.Line("_shardCount = shards;");
        w.Line("return shards;");
        w.Close();
        w.Line();
        w.Open("private void Gather(global::System.Span<float> output, int shards)");
        w.Line("for (int s = 0; s < shards; s++)");
        w.Line($"    _workspaces[s].OutputSpan().CopyTo(output.Slice(_workspaces[s].First * OutputLength));");
        w.Close();
        w.Line();

        w.Line("/// <summary>The first layer, in forward order, whose last output held NaN or ±∞; null when all were finite.</summary>");
        w.Open("public string? FirstNonFiniteLayer()");
        w.Line("if (_device is { } device) return DeviceFirstNonFiniteLayer(device);");
        w.Open("for (int s = 0; s < _shardCount; s++)");
        w.Line("var ws = _workspaces[s];");
        foreach (var node in plan.Nodes.Where(n => n.Options.OwnsOutput))
            w.Line($"if (!global::DeepPsych.Dsl.Execution.NetworkChecks.AllFinite(global::System.MemoryExtensions.AsSpan(ws.{node.Name}Output, 0, ws.Count * {node.Name}Size))) return {node.PathLiteral};");
        w.Close();
        w.Line("return null;");
        w.Close();
        w.Line();
    }

    /// <summary>The end of a training step: the shards' losses and gradients summed, the outputs gathered.</summary>
    private static void EmitStepEnd(CodeWriter w, LossCode lossCode)
    {
        w.Line("double loss = 0;");
        w.Open("for (int s = 0; s < shards; s++)");
        w.Line("loss += _workspaces[s].LossSum;");
        w.Line("if (s > 0) global::DeepPsych.Dsl.Execution.NetworkChecks.AddInto(_gradients, _workspaces[s].Gradients);   // shard 0 added into _gradients directly");
        w.Close();
        w.Line("if (shards > 1) _gradientReadySink?.GradientsReady(0, ParameterCount);   // the shards' sum is final only now: the whole block at once");
        w.Line("if (!outputs.IsEmpty) Gather(outputs, shards);");
        w.Line("Step++;");
        w.Line($"return (float)(loss / {lossCode.Divisor});");
    }

    /// <summary>Whether the backward pass tells the gradient sink about each layer as it finishes (see
    /// <see cref="GradientsReadyLines"/>): only when one shard adds straight into the network's block.</summary>
    private static void EmitReadyInBackward(CodeWriter w) =>
        w.Line("_readyInBackward = shards == 1 ? _gradientReadySink : null;   // one shard: a layer's dL/dθ is final when its backward returns");

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
