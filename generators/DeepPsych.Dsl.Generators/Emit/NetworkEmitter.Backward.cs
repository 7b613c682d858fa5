namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The backward pass (CPU shard and device): the loss, then each node's backward in the planned order, with its
/// gradient slots taken, zeroed and aliased as the gradient plan says.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitBackward(CodeWriter w, NetworkPlan plan, EmitTarget t)
    {
        var stages = BackwardStages(plan, t);
        var gradients = plan.Backward;
        var declared = new List<(string Name, string Value)>();   // dL/dy views declared so far (later stages declare them again)
        for (int j = 0; j < stages.Count; j++)
        {
            var next = j + 1 < stages.Count ? plan.Nodes[stages[j + 1][0].Node] : null;
            if (stages.Count == 1)
            {
                w.Line($"/// <summary>The backward pass over {(t.IsDevice ? "the device workspace" : "one shard")}: the chain rule, layer by layer in reverse. Adds dL/dθ into");
                w.Line("/// <paramref name=\"g\"/>. Gradients of values live in slots assigned at build time by liveness (GradA, GradB, …): every");
                w.Line("/// backward op adds (+=) into its input's slot, which is zeroed when taken, so a value read twice gets the sum.</summary>");
            }
            else
            {
                w.Line($"/// <summary>Stage {j} of the backward pass over one shard: the chain rule, layer by layer in reverse, adding dL/dθ into");
                w.Line("/// <paramref name=\"g\"/>; gradients of values live in slots assigned at build time by liveness (every backward op adds into");
                w.Line(next is not null
                    ? $"/// its input's slot, zeroed when taken). The stage ends because {next.Path}'s dL/dx needs the whole batch's sums of dL/dy.</summary>"
                    : "/// its input's slot, zeroed when taken).</summary>");
            }
            w.Open(t.IsDevice ? "private void DeviceBackward(DeviceWorkspace d, int n, global::DeepPsych.Dsl.Devices.DeviceView<float> g)"
                : $"private void Backward{(stages.Count == 1 ? "" : j.ToString())}(Workspace ws, int n, global::System.Span<float> g)");
            if (t.IsDevice) w.Line("var b = d.Backend;");
            w.Line("// What forward kept.");
            w.Line($"{t.View} x = {t.Buffer("Input", "InputLength")};");
            foreach (int i in plan.Order)
            {
                var node = plan.Nodes[i];
                string kept = node.Options.OwnsOutput ? t.Buffer(node.Name + "Output", node.Name + "Size") : InputSpans(plan, node)[0];
                w.Line($"{t.View} {LayerCode.Y(node.Name)} = {kept};");
            }
            w.Line();

            if (j == 0)
            {
                string y = LayerCode.Y(plan.Output.Name), dy = LayerCode.DY(plan.Output.Name);
                string outputSlot = MemoryPlan.GradientSlotField(gradients.OutputSlot);
                var loss = LossCode.For(plan);
                foreach (var line in loss.Math) w.Line(line);
                Declare(w, declared, t.View, dy, t.Buffer(outputSlot, "OutputLength"));
                if (t.IsDevice)
                {
                    string losses = $"d.Losses.Slice(0, {loss.Count("n")})";
                    w.Line(loss.Device(y, $"d.{loss.TargetBuffer}.Slice(0, {loss.Count("n")})", dy, losses) + ";");
                    w.Line($"d.LossSum = b.Sum({losses});   // the step's one download");
                }
                else
                    w.Line($"ws.LossSum += {loss.Cpu(y, $"global::System.MemoryExtensions.AsSpan(ws.{loss.TargetBuffer}, 0, {loss.Count("n")})", dy)};   // the step's rounds add up");
                w.Line();
            }
            else
            {
                var used = new HashSet<string>(stages.Skip(j).SelectMany(s => s).SelectMany(step =>
                    plan.Nodes[step.Node].Layer.Inputs.Select(v => v == NetworkGraph.NetworkInput ? "" : LayerCode.DY(plan.Nodes[v].Name)).Append(LayerCode.DY(plan.Nodes[step.Node].Name))));
                w.Line("// Gradients from the stages before.");
                foreach (var (name, value) in declared.Where(d => used.Contains(d.Name))) w.Line($"{t.View} {name} = {value};");
                w.Line();
            }

            foreach (var step in stages[j])
            {
                var node = plan.Nodes[step.Node];
                var inputs = node.Layer.Inputs;
                foreach (int value in step.Allocate)
                {
                    var producer = plan.Nodes[value];
                    string slot = MemoryPlan.GradientSlotField(step.InputSlots[inputs.Items.IndexOf(value)]);
                    Declare(w, declared, t.View, LayerCode.DY(producer.Name), t.Buffer(slot, producer.Name + "Size"));
                    w.Line($"{t.Clear(LayerCode.DY(producer.Name))}   // backward ops accumulate (+=)");
                }
                var dx = inputs.Select((v, k) => step.InputSlots[k] < 0 ? null : LayerCode.DY(plan.Nodes[v].Name)).ToArray();
                w.Line($"// {node.Path} backward — {node.Options.Describe()}, {Shapes(node)}");
                node.Options.Backward(new LayerCode(w, node, t, InputSpans(plan, node), dx, step.DxIsDy));
                if (step.DxIsDy)
                {
                    w.Line($"{t.View} {dx[0]} = {LayerCode.DY(node.Name)};   // same memory");
                    declared.Add((dx[0]!, declared.Last(d => d.Name == LayerCode.DY(node.Name)).Value));
                }
                w.Line();
            }
            if (next is not null)
            {
                var step = stages[j + 1][0];
                var dx = next.Layer.Inputs.Select((v, k) => step.InputSlots[k] < 0 ? null : LayerCode.DY(plan.Nodes[v].Name)).ToArray();
                w.Line($"// Stage ends: {next.Path}'s dL/dx needs the whole batch's Σ dL/dy and Σ dL/dy·(x − μ), so each shard stops at its partial sums.");
                next.Options.BackwardPartials(new LayerCode(w, next, t, InputSpans(plan, next), dx, step.DxIsDy));
            }
            w.Close();
            w.Line();
        }
    }

    /// <summary>Declares a dL/dy view and remembers it, so a later stage can declare it again.</summary>
    private static void Declare(CodeWriter w, List<(string Name, string Value)> declared, string view, string name, string value)
    {
        w.Line($"{view} {name} = {value};");
        declared.Add((name, value));
    }
}
