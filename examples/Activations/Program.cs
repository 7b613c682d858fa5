using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Ops;
using Examples.Demos;

// The activation functions the DSL offers and their derivatives, drawn from the library's own ActivationOp: the curve is
// ActivationOp.Forward, the derivative is ActivationOp.Backward with dL/dy = 1 (what backpropagation multiplies by).
// Each derivative is checked against central differences of Forward before it is drawn.
const string usage = """
    Activations: step, sigmoid, tanh, ReLU, leaky ReLU and softplus with their derivatives, from ActivationOp.
      dotnet run -c Release --project examples/Activations -- [--leaky-slope A] [--output DIR]
      --leaky-slope A  leaky ReLU's slope for z < 0 (default 0.1, larger than the DSL's 0.01 so that it shows)
      --output DIR     where activations.png goes (default runs/activations)
    """;
return DemoArgs.Run(args, usage, ["--leaky-slope", "--output"], [], Run);

static int Run(DemoArgs args)
{
    float slope = (float)args.Double("--leaky-slope", 0.1);
    string output = args.OutputFolder("runs/activations");
    const int points = 801;
    const float h = 1e-3f;   // central-difference step; float rounding of f then costs ~1e-7/h ≈ 1e-4
    var z = Enumerable.Range(0, points).Select(i => -4f + 8f * i / (points - 1)).ToArray();

    var panels = new (Act Act, string Title, string Derivative)[]
    {
        (Act.Step, "step: [z > 0]", "f' = 0 (a Dirac δ at 0 that gradients never see)"),
        (Act.Sigmoid, "sigmoid: σ(z) = 1 / (1 + e^-z)", "σ' = σ(1 − σ) ≤ 0.25"),
        (Act.Tanh, "tanh z", "tanh' = 1 − tanh² ≤ 1"),
        (Act.ReLU, "ReLU: max(0, z)", "ReLU' = [z > 0]"),
        (Act.LeakyReLU, $"leaky ReLU, α = {slope.ToString(CultureInfo.InvariantCulture)}", "f' = 1 or α"),
        (Act.Softplus, "softplus: ln(1 + e^z)", "softplus' = σ(z)"),
    };
    var plots = new List<ScottPlot.Plot>();
    bool allAgree = true;
    Console.WriteLine("activation  | f'(-2)   f'(0)    f'(2)    | max |Backward − central difference| (|z| > 2h)");
    foreach (var (act, title, derivativeText) in panels)
    {
        var y = new float[points];
        ActivationOp.Forward(act, slope, z, y);
        var derivative = new float[points];   // dx starts at 0; Backward adds dy ⊙ f'(z) with dy = 1
        ActivationOp.Backward(act, slope, y, Enumerable.Repeat(1f, points).ToArray(), derivative);

        var plus = new float[points];
        var minus = new float[points];
        ActivationOp.Forward(act, slope, z.Select(v => v + h).ToArray(), plus);
        ActivationOp.Forward(act, slope, z.Select(v => v - h).ToArray(), minus);
        double worst = 0;
        for (int i = 0; i < points; i++)
            if (Math.Abs(z[i]) > 2 * h)   // step, ReLU and leaky ReLU have a kink at 0
                worst = Math.Max(worst, Math.Abs(derivative[i] - ((double)plus[i] - minus[i]) / (2 * h)));
        bool agrees = worst <= 1e-3;
        allAgree &= agrees;
        Console.WriteLine($"{act,-11} | {At(-2)} {At(0)} {At(2)} | {worst:E2} {(agrees ? "ok" : "DISAGREES (tolerance 1e-3)")}");

        var plot = new ScottPlot.Plot();
        var zs = z.Select(v => (double)v).ToArray();
        var f = plot.Add.ScatterLine(zs, y.Select(v => (double)v).ToArray());
        f.LegendText = "f(z)  (ActivationOp.Forward)";
        f.LineWidth = 2.5f;
        var d = plot.Add.ScatterLine(zs, derivative.Select(v => (double)v).ToArray());
        d.LegendText = "f'(z)  (ActivationOp.Backward)";
        d.LineWidth = 2.5f;
        d.LinePattern = ScottPlot.LinePattern.Dashed;
        bool unbounded = act is Act.ReLU or Act.LeakyReLU or Act.Softplus;
        plot.Axes.SetLimits(-4, 4, unbounded ? -1 : -1.2, unbounded ? 4 : 1.2);
        plot.Title($"{title}\n{derivativeText}", size: 14);
        plot.XLabel("z");
        plot.ShowLegend(unbounded ? ScottPlot.Alignment.UpperLeft : ScottPlot.Alignment.LowerRight);
        plots.Add(plot);

        string At(float at) => derivative[Array.FindIndex(z, v => Math.Abs(v - at) < 1e-4f)].ToString("0.0000", CultureInfo.InvariantCulture).PadRight(8);
    }
    Console.WriteLine($"wrote {Figures.SaveGrid(plots, 3, 520, 440, Path.Combine(output, "activations.png"))}");
    return allAgree ? 0 : 1;
}
