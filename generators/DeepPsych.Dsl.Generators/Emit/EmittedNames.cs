namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Every member name the emitter declares in a network's class, with what it is, and the check that none of
/// them collides with a member the user declares, with the class's own name (CS0542), or with another generated one
/// (a layer named C1Weight beside a layer C1, whose weight view is C1Weight): DPD0040 names both, instead of CS0102 in
/// generated code. The generated privates keep their readable names (the snapshots and BackwardSource show them);
/// a clash is rare and its fix (a rename) is the user's choice. A test adds every member of the generated code of the
/// example networks as a user member and expects DPD0040 for each, so this list cannot fall behind the emitter.</summary>
internal static class EmittedNames
{
    /// <summary>One generated member: its name, what it is (for the message), and the node it belongs to (−1: every network has it).</summary>
    public readonly record struct Entry(string Name, string What, int Node, bool IsLayerProperty = false);

    /// <summary>Private members every network has (its public ones are <see cref="NetworkParser.ReservedNames"/>).</summary>
    private static readonly string[] FixedPrivates =
    [
        "_parameters", "_gradients", "_parameterTensors", "_layers", "_trainShard", "_inferShard", "_workspaces", "_shardCount",
        "_batch", "_threads", "_device", "s_inputShape", "s_outputShape", "InferShard", "TrainingRound", "TrainShard",
        "Scatter", "Gather", "_nonFiniteLayer", "MicroBatch", "StartTrainingStep", "FinishTrainingStep", "GrowWorkspaces", "NonFiniteLayer", "DeviceTrainingStep", "DeviceForward", "DeviceFirstNonFiniteLayer", "DeviceForwardPass", "DeviceBackward",
        "_gradientReadySink", "_readyInBackward",
    ];

    public static IEnumerable<Entry> Of(NetworkPlan plan)
    {
        foreach (var name in NetworkParser.ReservedNames) yield return new(name, "a public member every network has", -1);
        foreach (var name in FixedPrivates) yield return new(name, "a private member every network has", -1);
        foreach (var field in LossCode.For(plan).Fields) yield return new(FieldName(field), "a member of the network's loss (class weights, ignore index)", -1);
        if (NetworkEmitter.InfersDepthFirst(plan))
            foreach (var name in new[] { "InferenceChunk", "InferChunk", "InferTail" }) yield return new(name, "a private member of the network's depth-first inference", -1);
        // The CPU passes: one method each, or one per stage when a layer couples the batch (BatchNorm).
        int forwardStages = NetworkEmitter.ForwardStageCount(plan), backwardStages = NetworkEmitter.BackwardStageCount(plan);
        for (int k = 0; k < forwardStages; k++) yield return new("ForwardPass" + (forwardStages == 1 ? "" : k.ToString(System.Globalization.CultureInfo.InvariantCulture)), "a private member of the network's forward pass", -1);
        for (int k = 0; k < backwardStages; k++) yield return new("Backward" + (backwardStages == 1 ? "" : k.ToString(System.Globalization.CultureInfo.InvariantCulture)), "a private member of the network's backward pass", -1);
        if (forwardStages > 1) { yield return new("_stage", "a private member of a staged network", -1); yield return new("RunStage", "a private member of a staged network", -1); }
        if (plan.HasBuffers)
        {
            foreach (var name in new[] { "BufferCount", "Buffers" }) yield return new(name, "a public member of a network with buffers", -1);
            foreach (var name in new[] { "_buffers", "_counters", "_bufferTensors" }) yield return new(name, "a private member of a network with buffers", -1);
        }
        if (plan.Folds.Length > 0)
        {
            yield return new("_frozen", "a private member of a network with foldable BatchNorms", -1);
            foreach (var fold in plan.Folds)
                yield return new($"_{plan.Nodes[fold.Layer].Name}FoldedBias", $"the folded bias of {Owner(plan.Nodes[fold.Layer])}", fold.Layer);
        }
        for (int i = 0; i < plan.Nodes.Length; i++)
        {
            var node = plan.Nodes[i];
            string of = Owner(node);
            if (!node.Layer.Implicit) yield return new(node.Name, $"layer '{node.Name}'", i, IsLayerProperty: true);
            yield return new("_" + node.Name, $"the field behind {of}", i);
            yield return new(node.Name + "Size", $"the output length of {of}", i);
            if (node.Options.GeometryField(node) is { } geometry) yield return new(FieldName(geometry), $"the geometry of {of}", i);
            foreach (var b in node.Buffers)
                foreach (var suffix in b.IsInt64 ? new[] { "Index" } : new[] { "Offset", "Length" })
                    yield return new(b.Id + suffix, $"the {suffix.ToLowerInvariant()} of buffer {b.Name}", i);
            foreach (var state in node.Options.State(node).Where(s => s.Scope is StateScope.Network or StateScope.CpuNetwork))
                yield return new("_" + node.Name + state.Suffix, $"the per-channel state {state.Suffix} of {of}", i);
            foreach (var p in node.Parameters)
            {
                yield return new(p.Id, $"the read-only view of parameter {p.Name}", i);
                yield return new(p.Id + "Offset", $"the offset of parameter {p.Name}", i);
                yield return new(p.Id + "Length", $"the length of parameter {p.Name}", i);
            }
        }
    }

    /// <summary>How messages name a node: "layer 'C1'", "layer 'Layer1.0.Conv1'" (in a block), "'Add1' (a node of Forward)".</summary>
    private static string Owner(NodePlan node)
        => node.Layer.Path is { } path ? $"layer '{path}'" : node.Layer.Implicit ? $"'{node.Name}' (a node of Forward)" : $"layer '{node.Name}'";

    /// <summary>"private static readonly T C1Geometry = new(…);" → "C1Geometry": the kind writes the whole declaration.</summary>
    private static string FieldName(string declaration)
    {
        string head = declaration.Substring(0, declaration.IndexOf('=')).TrimEnd();
        return head.Substring(head.LastIndexOf(' ') + 1);
    }

    /// <summary>DPD0040 for each collision; <paramref name="plan"/> is kept when there is none.</summary>
    public static PlanResult Check(PlanResult planned, NetworkSpec spec)
    {
        if (planned.Plan is not { } plan) return planned;
        var entries = Of(plan).ToList();
        var byName = entries.GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var diagnostics = new List<DiagnosticInfo>();
        void Report(LocationInfo? at, string name, string first, Entry generated, string rename)
            => diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NameCollidesWithGenerated, at ?? spec.Location, spec.ClassName, name, first, generated.What, rename));

        if (byName.TryGetValue(spec.ClassName, out var sameAsClass))
            Report(spec.Location, spec.ClassName, "the class", sameAsClass[0], "the class (C# members cannot have the name of their class)");
        foreach (var member in spec.UserMembers)
        {
            if (byName.TryGetValue(member.Name, out var generated))
                Report(member.Location, member.Name, member.Kind, generated[0], member.Kind);
            // A method get_X or set_X takes the name of the accessor of a generated property X (CS0082).
            else if (member.Name.Length > 4 && (member.Name.StartsWith("get_", StringComparison.Ordinal) || member.Name.StartsWith("set_", StringComparison.Ordinal))
                && byName.TryGetValue(member.Name.Substring(4), out var property))
                Report(member.Location, member.Name, member.Kind, property[0] with { What = $"the accessor of '{property[0].Name}', {property[0].What}" }, member.Kind);
        }
        foreach (var group in byName.Values.Where(g => g.Count > 1 && g.Any(e => e.Node >= 0)))
        {
            // Report on a layer: the one whose property has the name, else the one whose derived member does.
            var layer = group.FirstOrDefault(e => e.IsLayerProperty) is { Name: not null } property ? property
                : group.Where(e => e.Node >= 0).OrderByDescending(e => e.Node).First();
            var other = group.First(e => !e.Equals(layer));
            var node = plan.Nodes[layer.Node];
            string rename = Owner(node);
            Report(spec.Layers[layer.Node].Location, layer.Name, layer.What, other, rename);
        }
        return diagnostics.Count == 0 ? planned : new PlanResult(null, planned.Diagnostics.Concat(diagnostics).ToEquatableArray());
    }
}
