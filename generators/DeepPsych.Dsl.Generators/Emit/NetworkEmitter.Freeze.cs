namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>FreezeForInference: an inference snapshot (a private copy of the network holding this moment's parameters and
/// running statistics) with the BatchNorms the planner chose (<see cref="NetworkPlan.Folds"/>) folded into the layer
/// before them. The copy's forward is the same code with <c>_frozen</c> set: the folded layer uses W' and b' and writes the
/// BatchNorm's output, and the BatchNorm pass is skipped. Nothing reaches the copy afterwards, so it cannot go stale
/// silently: a snapshot, like torch.jit.freeze or an ONNX Runtime session.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitFreeze(CodeWriter w, NetworkPlan plan)
    {
        if (plan.Folds.Length > 0)
        {
            w.Line("private bool _frozen;   // a FreezeForInference copy: the folded BatchNorms' passes are skipped");
            foreach (var fold in plan.Folds)
                w.Line($"private float[] _{plan.Nodes[fold.Layer].Name}FoldedBias = [];   // frozen copy: {plan.Nodes[fold.Norm].Path} folded into {plan.Nodes[fold.Layer].Path}'s bias");
            w.Line();
        }
        if (plan.IsAbstract) return;   // nothing can create a copy of an abstract class
        string folded = plan.Folds.Length == 0 ? "no BatchNorm here folds"
            : string.Join(", ", plan.Folds.Select(f => $"{plan.Nodes[f.Norm].Path} into {plan.Nodes[f.Layer].Path}"));
        w.Line("/// <summary>An inference snapshot: a copy of the parameters and running statistics as they are now, whose Forward gives this");
        w.Line($"/// network's eval-mode Forward with every BatchNorm that folds exactly folded into the layer before it ({System.Security.SecurityElement.Escape(folded)}).");
        w.Line("/// Training or editing this network afterwards does not change the snapshot: freeze again to see the change.</summary>");
        w.Open($"public {Dsl}.InferenceSnapshot FreezeForInference()");
        w.Line($"var frozen = new {Identifier.Escape(plan.ClassName)} {{ Threads = Threads{(plan.Folds.Length > 0 ? ", _frozen = true" : "")} }};");
        w.Line("global::System.Array.Copy(Parameters, frozen._parameters, ParameterCount);   // Parameters brings device values down");
        if (plan.HasBuffers) w.Line("for (int i = 0; i < _bufferTensors.Length; i++) _bufferTensors[i].CopyTo(frozen._bufferTensors[i]);");
        foreach (var fold in plan.Folds)
        {
            var layer = plan.Nodes[fold.Layer];
            var norm = plan.Nodes[fold.Norm];
            var options = (Layers.BatchNormOptions)norm.Options;
            var weight = layer.Parameters.First(p => p.Suffix == "weight");
            var bias = layer.Parameters.FirstOrDefault(p => p.Suffix == "bias");
            int channels = norm.InputShape[0];
            string Block(string id) => $"global::System.MemoryExtensions.AsSpan(frozen._parameters, {id}Offset, {id}Length)";
            string Buffer(string suffix) => $"global::System.MemoryExtensions.AsSpan(frozen._buffers, {norm.Name}{suffix}Offset, {norm.Name}{suffix}Length)";
            w.Line();
            w.Line($"// {norm.Path} into {layer.Path}: per output channel s = γ/√(running var + ε), W' = W·s, b' = (b − running mean)·s + β");
            w.Line($"frozen._{layer.Name}FoldedBias = new float[{channels}];");
            w.Line($"global::DeepPsych.Dsl.Ops.BatchNormOp.FoldIntoPrecedingLayer({channels}, {weight.Length / channels}, frozen.{weight.Id}, {(bias is null ? "default" : "frozen." + bias.Id)},");
            w.Line($"    {(options.Affine ? $"frozen.{norm.Name}Weight, frozen.{norm.Name}Bias" : "default, default")}, {Buffer("RunningMean")}, {Buffer("RunningVar")}, {Layers.Literal.Float(options.Epsilon)},");
            w.Line($"    {Block(weight.Id)}, frozen._{layer.Name}FoldedBias);");
        }
        w.Line($"return new {Dsl}.InferenceSnapshot(frozen, [{string.Join(", ", plan.Folds.Select(f => $"\"{plan.Nodes[f.Norm].Path} into {plan.Nodes[f.Layer].Path}\""))}]);");
        w.Close();
        w.Line();
    }
}
