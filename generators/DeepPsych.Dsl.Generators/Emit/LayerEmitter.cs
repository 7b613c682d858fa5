using System.Globalization;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Planning;
using DeepPsych.Dsl.Generators.Shapes;

namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Emits one layer's forward and backward statements, side by side per kind, each headed by the math it computes.
/// Naming in generated code: <c>yC1</c> is C1's output, <c>dyC1</c> is dL/dyC1, <c>x</c> is the network input.</summary>
internal static class LayerEmitter
{
    internal static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    internal static string Y(NodePlan node) => "y" + node.Name;
    internal static string DY(NodePlan node) => "dy" + node.Name;

    /// <summary>Whether a node owns an output buffer in the workspace (Flatten is a view of its input).</summary>
    internal static bool HasBuffer(NodePlan node) => node.Layer.Kind != LayerKind.Flatten;

    internal static string ActName(ActKind act) => act switch
    {
        ActKind.ReLU => "relu",
        ActKind.LeakyReLU => "leaky_relu",
        ActKind.Sigmoid => "σ",
        ActKind.Tanh => "tanh",
        ActKind.Softplus => "softplus",
        ActKind.Step => "step",
        _ => "",
    };

    internal static string Derivative(ActKind act, float slope) => act switch
    {
        ActKind.ReLU => "relu'(z) = [y > 0]",
        ActKind.LeakyReLU => $"leaky_relu'(z) = y > 0 ? 1 : {slope.ToString("R", CultureInfo.InvariantCulture)}",
        ActKind.Sigmoid => "σ'(z) = y (1 − y)",
        ActKind.Tanh => "tanh'(z) = 1 − y²",
        ActKind.Softplus => "softplus'(z) = σ(z) = 1 − e^(−y)",
        ActKind.Step => "step'(z) = 0 almost everywhere: no gradient passes",
        _ => "1",
    };

    /// <summary>A one-line description for comments and the summary: "Conv2D 6@5x5 s1 p2 +ReLU".</summary>
    internal static string Describe(LayerSpec l)
    {
        string act = l.Activation == ActKind.None ? "" : " +" + l.Activation;
        switch (l.Kind)
        {
            case LayerKind.Conv2D:
                return $"Conv2D {l.Units}@{l.KernelH}x{l.KernelW}" + (l.StrideH != 1 ? $" s{l.StrideH}" : "") + (l.PadH != 0 || l.PadW != 0 ? $" p{(l.PadH == l.PadW ? l.PadH.ToString() : l.PadH + "," + l.PadW)}" : "")
                    + (l.DilationH != 1 ? $" d{l.DilationH}" : "") + (l.Groups != 1 ? $" g{l.Groups}" : "") + (l.Bias ? "" : " nobias") + act;
            case LayerKind.Dense:
                return $"Dense {l.Units}" + (l.Bias ? "" : " nobias") + act;
            case LayerKind.MaxPool2D:
                return $"MaxPool2D {l.KernelH}x{l.KernelW}/{l.StrideH}" + (l.PadH != 0 ? $" p{l.PadH}" : "");
            case LayerKind.AvgPool2D:
                return $"AvgPool2D {l.KernelH}x{l.KernelW}/{l.StrideH}" + (l.PadH != 0 ? $" p{l.PadH}" : "") + (l.PadH != 0 && !l.CountIncludePad ? " excl-pad" : "");
            case LayerKind.Activation:
                return l.Activation.ToString();
            case LayerKind.Dropout:
                return "Dropout " + l.Rate.ToString("R", CultureInfo.InvariantCulture);
            default:
                return l.Kind.ToString();
        }
    }

    private static string Shapes(NodePlan node) => $"{ShapeMath.Format(node.InputShape)} → {ShapeMath.Format(node.OutputShape)}";

    // ───────────────────────────── forward ─────────────────────────────

    public static void Forward(CodeWriter w, NodePlan node, string x, EmitTarget t)
    {
        var l = node.Layer;
        string y = Y(node);
        string buffer = t.Buffer(node.Name + "Output", node.Name + "Size");
        string view = t.View;
        string actArgs = l.Activation == ActKind.None ? "" : $", Act.{l.Activation}, {F(l.LeakySlope)}";
        string act = ActName(l.Activation);
        w.Line($"// {node.Name} — {Describe(l)}, {Shapes(node)}");
        switch (l.Kind)
        {
            case LayerKind.Conv2D:
                w.Line(l.Activation == ActKind.None ? "//   y = W ⊛ x" + (l.Bias ? " + b" : "") : $"//   y = {act}(W ⊛ x{(l.Bias ? " + b" : "")})   (bias and activation fused into the convolution's output pass)");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("Conv2D", "Forward")}({node.Name}Geometry, n, {x}, {t.Parameter(node.Name + "Weight")}, {(l.Bias ? t.Parameter(node.Name + "Bias") : "default")}, {y}{actArgs});");
                break;
            case LayerKind.Dense:
                w.Line(l.Activation == ActKind.None ? "//   y = x·Wᵀ" + (l.Bias ? " + b" : "") : $"//   y = {act}(x·Wᵀ{(l.Bias ? " + b" : "")})   (bias and activation fused)");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("Dense", "Forward")}(n, {node.InputLength}, {node.OutputLength}, {x}, {t.Parameter(node.Name + "Weight")}, {(l.Bias ? t.Parameter(node.Name + "Bias") : "default")}, {y}{actArgs});");
                break;
            case LayerKind.MaxPool2D:
                w.Line("//   y = max over each window; the switches remember each window's winner for backward");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("MaxPool2D", "Forward")}({node.Name}Geometry, n, {x}, {y}, {t.Buffer(node.Name + "Switches", node.Name + "Size")});");
                break;
            case LayerKind.AvgPool2D:
                w.Line("//   y = mean over each window" + (l.PadH > 0 ? (l.CountIncludePad ? " (padded zeros count)" : " (padded zeros do not count)") : ""));
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("AvgPool2D", "Forward")}({node.Name}Geometry, n, {x}, {y}, countIncludePad: {(l.CountIncludePad ? "true" : "false")});");
                break;
            case LayerKind.GlobalAvgPool:
                w.Line("//   y[c] = mean of x[c] over height × width");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("GlobalAvgPool", "Forward")}(n, {node.InputShape[0]}, {node.InputShape[1] * node.InputShape[2]}, {x}, {y});");
                break;
            case LayerKind.Flatten:
                w.Line("//   y = x viewed as a vector: no copy");
                w.Line($"{view} {y} = {x};");
                break;
            case LayerKind.Activation:
                w.Line($"//   y = {act}(x)");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"{t.Call("Activation", "Forward")}(Act.{l.Activation}, {F(l.LeakySlope)}, {x}, {y});");
                break;
            case LayerKind.Dropout:
                w.Line($"//   training: y = x ⊙ m / (1 − p), m ~ Bernoulli(1 − p) from (Seed, Step, element); inference: y = x");
                w.Line($"{view} {y} = {buffer};");
                w.Line($"if (training) {t.Call("Dropout", "Forward")}({F((float)l.Rate)}, Seed, Step, (long){t.Ws}.First * {node.Name}Size, {x}, {y}, {t.Buffer(node.Name + "Mask", node.Name + "Size")});");
                w.Line($"else {t.Copy(x, y)}");
                break;
        }
        w.Line();
    }

    // ───────────────────────────── backward ─────────────────────────────

    /// <param name="x">the span holding this node's input (forward)</param>
    /// <param name="dx">the span to receive dL/dx, or null when nothing upstream needs it</param>
    /// <remarks>Ends without a blank line: an in-place layer's caller adds the alias line that belongs to it.</remarks>
    public static void Backward(CodeWriter w, NodePlan node, string x, string? dx, EmitTarget t)
    {
        var l = node.Layer;
        string y = Y(node), dy = DY(node);
        string dxArg = dx ?? "default";
        string dxNote = dx is null ? "dL/dx is not needed (nothing trainable upstream)" : "";
        w.Line($"// {node.Name} backward — {Describe(l)}, {Shapes(node)}");
        switch (l.Kind)
        {
            case LayerKind.Conv2D:
            case LayerKind.Dense:
            {
                bool conv = l.Kind == LayerKind.Conv2D;
                if (l.Activation != ActKind.None)
                    w.Line($"//   dL/dz  = dL/dy ⊙ f'(z),   {Derivative(l.Activation, l.LeakySlope)}   (from the kept output y; z was not kept)");
                w.Line(conv ? "//   dL/dW += dL/dz ⊛ x        (im2col(x)ᵀ · dL/dz)" : "//   dL/dW += dL/dzᵀ · x");
                if (l.Bias) w.Line(conv ? "//   dL/db += Σ dL/dz over batch and pixels" : "//   dL/db += Σ_batch dL/dz");
                w.Line(dx is null ? "//   " + dxNote : conv ? "//   dL/dx += Wᵀ ⊛ dL/dz      (col2im(Wᵀ · dL/dz))" : "//   dL/dx += dL/dz · W");
                if (l.Activation != ActKind.None)
                    w.Line($"{t.Call("Activation", "ApplyDerivativeInPlace")}(Act.{l.Activation}, {F(l.LeakySlope)}, {y}, {dy});   // {dy} now holds dL/dz");
                string db = l.Bias ? $"g.Slice({node.Name}BiasOffset, {node.Name}BiasLength)" : "default";
                if (conv)
                    w.Line($"{t.Call("Conv2D", "Backward")}({node.Name}Geometry, n, {x}, {t.Parameter(node.Name + "Weight")}, {dy}, dx: {dxArg}, dw: g.Slice({node.Name}WeightOffset, {node.Name}WeightLength), db: {db});");
                else
                    w.Line($"{t.Call("Dense", "Backward")}(n, {node.InputLength}, {node.OutputLength}, {x}, {t.Parameter(node.Name + "Weight")}, {dy}, dx: {dxArg}, dw: g.Slice({node.Name}WeightOffset, {node.Name}WeightLength), db: {db});");
                break;
            }
            case LayerKind.MaxPool2D:
                w.Line("//   dL/dx[switch] += dL/dy   (only each window's maximum receives gradient)");
                w.Line($"{t.Call("MaxPool2D", "Backward")}({node.Name}Geometry, n, {dy}, {t.Buffer(node.Name + "Switches", node.Name + "Size")}, {dxArg});");
                break;
            case LayerKind.AvgPool2D:
                w.Line("//   dL/dx += dL/dy / window size, spread evenly over each window");
                w.Line($"{t.Call("AvgPool2D", "Backward")}({node.Name}Geometry, n, {dy}, {dxArg}, countIncludePad: {(l.CountIncludePad ? "true" : "false")});");
                break;
            case LayerKind.GlobalAvgPool:
                w.Line("//   dL/dx[c, h, w] += dL/dy[c] / (height × width)");
                w.Line($"{t.Call("GlobalAvgPool", "Backward")}(n, {node.InputShape[0]}, {node.InputShape[1] * node.InputShape[2]}, {dy}, {dxArg});");
                break;
            case LayerKind.Flatten:
                w.Line($"//   dL/dx = dL/dy viewed back as {ShapeMath.Format(node.InputShape)}: same memory, nothing to do");
                break;
            case LayerKind.Activation:
                w.Line($"//   dL/dx = dL/dy ⊙ f'(x),   {Derivative(l.Activation, l.LeakySlope)}   (in place: {dy} becomes dL/dx)");
                w.Line($"{t.Call("Activation", "ApplyDerivativeInPlace")}(Act.{l.Activation}, {F(l.LeakySlope)}, {y}, {dy});");
                break;
            case LayerKind.Dropout:
                w.Line("//   dL/dx += dL/dy ⊙ m / (1 − p)   (the mask kept from forward)");
                w.Line($"{t.Call("Dropout", "Backward")}({dy}, {t.Buffer(node.Name + "Mask", node.Name + "Size")}, {dxArg});");
                break;
        }
    }

    /// <summary>Backward of these kinds writes dL/dx into the same buffer as dL/dy (a view or an in-place update).</summary>
    public static bool GradientInPlace(NodePlan node) => node.Layer.Kind is LayerKind.Flatten or LayerKind.Activation;
}
