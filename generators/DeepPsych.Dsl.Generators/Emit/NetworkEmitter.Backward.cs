namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The backward pass (CPU shard and device): the loss, then each node's backward in the planned order, with its
/// gradient slots taken, zeroed and aliased as the gradient plan says.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitBackward(CodeWriter w, NetworkPlan plan, EmitTarget t)
    {
        w.Line($"/// <summary>The backward pass over {(t.IsDevice ? "the device workspace" : "one shard")}: the chain rule, layer by layer in reverse. Adds dL/dθ into");
        w.Line("/// <paramref name=\"g\"/>. Gradients of values live in slots assigned at build time by liveness (GradA, GradB, …): every");
        w.Line("/// backward op adds (+=) into its input's slot, which is zeroed when taken, so a value read twice gets the sum.</summary>");
        w.Open(t.IsDevice ? "private void DeviceBackward(DeviceWorkspace d, int n, global::DeepPsych.Dsl.Devices.DeviceView<float> g)" : "private void Backward(Workspace ws, int n, global::System.Span<float> g)");
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

        var gradients = plan.Backward;
        string y = LayerCode.Y(plan.Output.Name), dy = LayerCode.DY(plan.Output.Name);
        string outputSlot = MemoryPlan.GradientSlotField(gradients.OutputSlot);
        var loss = LossCode.For(plan);
        foreach (var line in loss.Math) w.Line(line);
        w.Line($"{t.View} {dy} = {t.Buffer(outputSlot, "OutputLength")};");
        if (t.IsDevice)
        {
            string losses = $"d.Losses.Slice(0, {loss.Count("n")})";
            w.Line(loss.Device(y, $"d.{loss.TargetBuffer}.Slice(0, {loss.Count("n")})", dy, losses) + ";");
            w.Line($"d.LossSum = b.Sum({losses});   // the step's one download");
        }
        else
            w.Line($"ws.LossSum = {loss.Cpu(y, $"global::System.MemoryExtensions.AsSpan(ws.{loss.TargetBuffer}, 0, {loss.Count("n")})", dy)};");
        w.Line();

        foreach (var step in gradients.Steps)
        {
            var node = plan.Nodes[step.Node];
            var inputs = node.Layer.Inputs;
            foreach (int value in step.Allocate)
            {
                var producer = plan.Nodes[value];
                string slot = MemoryPlan.GradientSlotField(step.InputSlots[inputs.Items.IndexOf(value)]);
                w.Line($"{t.View} {LayerCode.DY(producer.Name)} = {t.Buffer(slot, producer.Name + "Size")};");
                w.Line($"{t.Clear(LayerCode.DY(producer.Name))}   // backward ops accumulate (+=)");
            }
            var dx = inputs.Select((v, k) => step.InputSlots[k] < 0 ? null : LayerCode.DY(plan.Nodes[v].Name)).ToArray();
            w.Line($"// {node.Path} backward — {node.Options.Describe()}, {Shapes(node)}");
            node.Options.Backward(new LayerCode(w, node, t, InputSpans(plan, node), dx, step.DxIsDy));
            if (step.DxIsDy) w.Line($"{t.View} {dx[0]} = {LayerCode.DY(node.Name)};   // same memory");
            w.Line();
        }
        w.Close();
        w.Line();
    }
}
