using System.Collections.Generic;
using System.Linq;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Planning;
using DeepPsych.Dsl.Generators.Shapes;

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
        w.Open(t.IsDevice ? "private void DeviceBackward(DeviceWorkspace d, int n, DeviceView<float> g)" : "private void Backward(Workspace ws, int n, Span<float> g)");
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
        if (plan.Loss == Loss.SoftmaxCrossEntropy)
        {
            w.Line("// Loss — softmax + cross-entropy, fused and stable: L = −(1/B) Σ log softmax(y)[label]");
            w.Line("//   dL/dy = (softmax(y) − onehot(label)) / B, B = the whole batch across shards");
            w.Line($"{t.View} {dy} = {t.Buffer(outputSlot, "OutputLength")};");
            if (t.IsDevice)
            {
                w.Line($"b.SoftmaxCrossEntropy(n, OutputLength, {y}, d.Labels.Slice(0, n), {dy}, 1f / _batch, d.Losses.Slice(0, n));");
                w.Line("d.LossSum = b.Sum(d.Losses.Slice(0, n));   // the step's one download");
            }
            else
                w.Line($"ws.LossSum = SoftmaxCrossEntropyOp.ForwardBackward(n, OutputLength, {y}, ws.Labels.AsSpan(0, n), {dy}, 1f / _batch);");
        }
        else
        {
            w.Line("// Loss — mean squared error: L = (1/(B·K)) Σ (y − t)²,  dL/dy = 2 (y − t) / (B·K)");
            w.Line($"{t.View} {dy} = {t.Buffer(outputSlot, "OutputLength")};");
            if (t.IsDevice)
            {
                w.Line($"b.MseLoss({y}, d.Targets.Slice(0, n * OutputLength), {dy}, 1f / ((float)_batch * OutputLength), d.Losses.Slice(0, n * OutputLength));");
                w.Line("d.LossSum = b.Sum(d.Losses.Slice(0, n * OutputLength));   // the step's one download");
            }
            else
                w.Line($"ws.LossSum = MseLossOp.ForwardBackward({y}, ws.Targets.AsSpan(0, n * OutputLength), {dy}, 1f / ((float)_batch * OutputLength));");
        }
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
            w.Line($"// {node.Name} backward — {node.Options.Describe()}, {Shapes(node)}");
            node.Options.Backward(new LayerCode(w, node, t, InputSpans(plan, node), dx, step.DxIsDy));
            if (step.DxIsDy) w.Line($"{t.View} {dx[0]} = {LayerCode.DY(node.Name)};   // same memory");
            w.Line();
        }
        w.Close();
        w.Line();
    }
}
