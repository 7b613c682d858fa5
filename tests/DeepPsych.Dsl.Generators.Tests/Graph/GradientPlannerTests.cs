using DeepPsych.Dsl.Generators.Emit;
using DeepPsych.Dsl.Generators.Graph;
using DeepPsych.Dsl.Generators.Layers;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Planning;
using DeepPsych.Dsl.Generators.Shapes;

namespace DeepPsych.Dsl.Generators.Tests.Graph;

/// <summary>The planner on a hand-built graph with a two-input node (no attribute can declare one yet): a value with
/// two consumers gets one gradient slot, zeroed once, that both consumers' backward ops accumulate into; slots are
/// shared only by values that are never live at the same time.</summary>
public class GradientPlannerTests
{
    /// <summary>A two-input kind for this test only: y = a + b (what Add will be).</summary>
    private sealed record TestAddOptions : LayerOptions
    {
        private static readonly LayerKind Row = new("Add", typeof(System.ObsoleteAttribute), "Add", _ => new TestAddOptions());
        public override LayerKind Kind => Row;
        public override int Arity => 2;
        public override string HashText => "add";
        public override int[]? OutputShape(ShapeContext c) => c.Inputs[0].Shape;
        public override long Flops(LayerShapes shapes) => ShapeMath.Product(shapes.Output);
        public override string Describe() => "Add";
        public override void Forward(LayerCode c) => c.Line($"AddOp.Forward({c.Inputs[0]}, {c.Inputs[1]}, {c.Y()});");
        public override void Backward(LayerCode c) => c.Line($"AddOp.Backward({c.DY()}, {c.InputGradients[0] ?? "default"}, {c.InputGradients[1] ?? "default"});");
    }

    private static LayerDeclaration Layer(string name, LayerOptions options, params int[] inputs)
        => new(new LayerSpec(name, options, inputs.ToEquatableArray(), "public"), null);

    private static DenseOptions Dense(int units) => new(units, Bias: true, ActSpec.None, Init: default);

    /// <summary>A residual block on vectors: A = dense(x); B = flatten(A) (an in-place kind); C = dense(A); D = B + C; E = dense(D).
    /// A has two consumers (B and C); D has two inputs.</summary>
    private static NetworkPlan Residual()
    {
        var spec = new NetworkSpec(null, EquatableArray<string>.Empty, "Residual", "public", null, new[] { 4 }.ToEquatableArray(), default,
            new[]
            {
                Layer("A", Dense(4), -1),
                Layer("B", new FlattenOptions(), 0),
                Layer("C", Dense(4), 0),
                Layer("D", new TestAddOptions(), 1, 2),
                Layer("E", Dense(3), 3),
            }.ToEquatableArray());
        var result = Planner.Plan(new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty));
        Assert.DoesNotContain(result.Diagnostics, d => d.IsError);
        return result.Plan!;
    }

    [Fact]
    public void A_value_with_two_consumers_gets_one_slot_zeroed_once_that_both_accumulate_into()
    {
        var plan = Residual();
        var steps = plan.Backward.Steps.ToDictionary(s => plan.Nodes[s.Node].Name);
        Assert.Equal(["E", "D", "C", "B", "A"], plan.Backward.Steps.Select(s => plan.Nodes[s.Node].Name));

        // A's gradient slot is taken (and zeroed) exactly once, by the first of its consumers that backward meets (C)...
        Assert.Equal(1, plan.Backward.Steps.Sum(s => s.Allocate.Count(v => v == 0)));
        Assert.Contains(0, steps["C"].Allocate);
        // ...and B, the other consumer, adds into that same slot instead of taking dL/dy's memory (A is read twice).
        int slotOfA = steps["C"].InputSlots[0];
        Assert.Equal(slotOfA, steps["B"].InputSlots[0]);
        Assert.Empty(steps["B"].Allocate);
        Assert.False(steps["B"].DxIsDy);
        // A reads its own dL/dy from that slot; nothing upstream of A needs a gradient.
        Assert.Equal(slotOfA, steps["A"].OutputSlot);
        Assert.Equal([-1], steps["A"].InputSlots);

        // The two-input node sends dL/dx to two distinct slots, both zeroed before it runs.
        Assert.Equal([1, 2], steps["D"].Allocate);
        Assert.NotEqual(steps["D"].InputSlots[0], steps["D"].InputSlots[1]);
        Assert.DoesNotContain(steps["D"].OutputSlot, steps["D"].InputSlots);
    }

    [Fact]
    public void Slots_are_shared_only_by_values_never_live_at_once_and_sized_for_the_largest()
    {
        var plan = Residual();
        // Replay the schedule: a value is live from its allocation until its own node's backward has run.
        var live = new Dictionary<int, int> { [plan.OutputNode] = plan.Backward.OutputSlot };
        foreach (var step in plan.Backward.Steps)
        {
            foreach (int value in step.Allocate)
            {
                int slot = step.InputSlots[plan.Nodes[step.Node].Layer.Inputs.Items.IndexOf(value)];
                Assert.DoesNotContain(slot, live.Values);   // never two live values in one slot
                live[value] = slot;
            }
            live.Remove(step.Node);
        }
        Assert.Equal(3, plan.Backward.Slots.Length);   // E→D→{B, C}→A needs three at the widest point (dL/dD, dL/dB, dL/dC)
        foreach (var slot in plan.Backward.Slots)
            Assert.Equal(slot.Values.Max(v => plan.Nodes[v].OutputLength), slot.PerSample);
    }

    [Fact]
    public void The_emitted_backward_zeroes_the_shared_gradient_once_and_accumulates_both_consumers()
    {
        string code = NetworkEmitter.Emit(Residual());
        string backward = code.Substring(code.IndexOf("private void Backward(", StringComparison.Ordinal));
        backward = backward.Substring(0, backward.IndexOf("\n    }\n", StringComparison.Ordinal));

        Assert.Equal(1, Count(backward, "dyA.Clear();"));
        Assert.Contains("DenseOp.Backward(n, 4, 4, yA, CWeight, dyC, dx: dyA,", backward);        // C adds its dL/dA
        Assert.Contains("NetworkChecks.AddInto(dyA, dyB);", backward);                           // B adds its dL/dA (not in place)
        Assert.Contains("AddOp.Backward(dyD, dyB, dyC);", backward);
        Assert.True(backward.IndexOf("dyA.Clear();") < backward.IndexOf("dx: dyA,"), "zeroing comes before the first accumulation");
        Assert.True(backward.IndexOf("NetworkChecks.AddInto(dyA, dyB);") < backward.IndexOf("// A backward"), "both consumers add before A reads its gradient");
    }

    private static int Count(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
