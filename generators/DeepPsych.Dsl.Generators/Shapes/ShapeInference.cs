using System.Collections.Generic;
using System.Collections.Immutable;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Model;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Shapes;

/// <summary>Stage 2: compile-time shape inference, one layer at a time. Every rule a runtime op would throw on is
/// checked here instead and becomes a diagnostic on the layer's attribute, naming the shapes and the fix.</summary>
internal static class ShapeInference
{
    /// <summary>Where a layer's input comes from, for messages: "6x14x14 after S2" or "1x28x28 network input".</summary>
    internal readonly record struct Source(int[] Shape, string After)
    {
        public string Text => ShapeMath.Format(Shape);
    }

    /// <summary>Returns the output shape of <paramref name="layer"/>, or null after reporting why it has none.</summary>
    public static int[]? Infer(LayerSpec layer, Source input, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        int before = diagnostics.Count;
        void Report(DiagnosticDescriptor d, params object[] args) => diagnostics.Add(DiagnosticInfo.Create(d, location, args));
        string n = layer.Name;

        if (layer.Activation == ActKind.LeakyReLU && !(layer.LeakySlope >= 0f && layer.LeakySlope < 1f))
            Report(DiagnosticDescriptors.InvalidOption, n, "LeakySlope", layer.LeakySlope, "LeakyReLU needs 0 <= LeakySlope < 1 (its derivative is recovered from the sign of the output)");

        switch (layer.Kind)
        {
            case LayerKind.Conv2D:
            {
                if (!NeedsImage(layer, input, "Conv2D", Report)) return null;
                int c = input.Shape[0];
                if (layer.Units <= 0)
                    Report(DiagnosticDescriptors.OutputSizeNotPositive, n, $"{layer.Units} channels", input.Text, input.After);
                if (layer.KernelH <= 0 || layer.KernelW <= 0)
                    Report(DiagnosticDescriptors.InvalidOption, n, "Kernel", $"{layer.KernelH}x{layer.KernelW}", "kernel sizes must be at least 1");
                CheckWindowOptions(layer, Report);
                if (layer.Groups >= 1 && layer.Units > 0 && (c % layer.Groups != 0 || layer.Units % layer.Groups != 0))
                {
                    bool inBad = c % layer.Groups != 0;
                    Report(DiagnosticDescriptors.ChannelsNotDivisibleByGroups, n, inBad ? "input" : "output", inBad ? c : layer.Units,
                        layer.Groups, $"{input.Text} {input.After}", c, layer.Units);
                }
                if (diagnostics.Count > before) return null;
                var hw = Window(layer, input, layer.DilationH, Report);
                return hw is null ? null : [layer.Units, hw[0], hw[1]];
            }
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
            {
                string kind = layer.Kind == LayerKind.MaxPool2D ? "MaxPool2D" : "AvgPool2D";
                if (!NeedsImage(layer, input, kind, Report)) return null;
                if (layer.KernelH <= 0)
                    Report(DiagnosticDescriptors.InvalidOption, n, "Kernel", layer.KernelH, "the pooling window must be at least 1");
                CheckWindowOptions(layer, Report);
                if (layer.KernelH > 0 && layer.PadH > layer.KernelH / 2)
                    Report(DiagnosticDescriptors.InvalidGeometry, n, "Padding", layer.PadH, $"pooling padding must be at most half the kernel ({layer.KernelH / 2})",
                        "reduce Padding or enlarge Kernel");
                if (diagnostics.Count > before) return null;
                var hw = Window(layer, input, 1, Report);
                return hw is null ? null : [input.Shape[0], hw[0], hw[1]];
            }
            case LayerKind.GlobalAvgPool:
                if (!NeedsImage(layer, input, "GlobalAvgPool", Report)) return null;
                return [input.Shape[0]];
            case LayerKind.Flatten:
                return [ShapeMath.Product(input.Shape)];
            case LayerKind.Dense:
                if (layer.Units <= 0)
                {
                    Report(DiagnosticDescriptors.OutputSizeNotPositive, n, $"{layer.Units} units", input.Text, input.After);
                    return null;
                }
                return diagnostics.Count > before ? null : [layer.Units];
            case LayerKind.Activation:
                return diagnostics.Count > before ? null : input.Shape;
            case LayerKind.Dropout:
                if (!(layer.Rate >= 0 && layer.Rate < 1))
                {
                    Report(DiagnosticDescriptors.InvalidOption, n, "rate", layer.Rate, "dropout drops a fraction of units: use 0 <= rate < 1 (0.5 is the classic choice)");
                    return null;
                }
                return input.Shape;
            default:
                return null;
        }
    }

    private static bool NeedsImage(LayerSpec layer, Source input, string kind, System.Action<DiagnosticDescriptor, object[]> report)
    {
        if (input.Shape.Length == 3) return true;
        report(DiagnosticDescriptors.RankMismatch, [layer.Name, kind, "channels x height x width", $"the vector {input.Text}", input.After,
            "place it before any Dense or Flatten layer, or declare the network Input as new[] { channels, height, width }"]);
        return false;
    }

    private static void CheckWindowOptions(LayerSpec layer, System.Action<DiagnosticDescriptor, object[]> report)
    {
        if (layer.StrideH <= 0 || layer.StrideW <= 0)
            report(DiagnosticDescriptors.InvalidGeometry, [layer.Name, "Stride", layer.StrideH, "a stride must be at least 1", "use Stride = 1 for no down-sampling"]);
        if (layer.DilationH <= 0 || layer.DilationW <= 0)
            report(DiagnosticDescriptors.InvalidGeometry, [layer.Name, "Dilation", layer.DilationH, "a dilation must be at least 1", "use Dilation = 1 for a dense kernel"]);
        if (layer.Groups <= 0)
            report(DiagnosticDescriptors.InvalidGeometry, [layer.Name, "Groups", layer.Groups, "groups must be at least 1", "use Groups = 1 for a full convolution"]);
        if (layer.PadH < 0 || layer.PadW < 0)
            report(DiagnosticDescriptors.InvalidGeometry, [layer.Name, "Padding", System.Math.Min(layer.PadH, layer.PadW), "padding cannot be negative", "use Padding = 0 or more"]);
    }

    /// <summary>Output height and width of a sliding window, or null after DPD0003. Warns once (DPD0005) when the
    /// stride leaves rows or columns of the padded input unread.</summary>
    private static int[]? Window(LayerSpec layer, Source input, int dilation, System.Action<DiagnosticDescriptor, object[]> report)
    {
        int h = input.Shape[1], w = input.Shape[2];
        int extentH = dilation * (layer.KernelH - 1) + 1, extentW = dilation * (layer.KernelW - 1) + 1;
        int paddedH = h + 2 * layer.PadH, paddedW = w + 2 * layer.PadW;
        if (extentH > paddedH || extentW > paddedW)
        {
            report(DiagnosticDescriptors.KernelDoesNotFit, [layer.Name, $"{layer.KernelH}x{layer.KernelW}", $"{extentH}x{extentW}",
                $"{h}x{w}", input.Text, input.After, Pad(layer)]);
            return null;
        }
        int lostRows = (paddedH - extentH) % layer.StrideH, lostColumns = (paddedW - extentW) % layer.StrideW;
        if (lostRows != 0 || lostColumns != 0)
        {
            var lost = new System.Collections.Generic.List<string>();
            if (lostRows != 0) lost.Add(lostRows == 1 ? "1 row" : $"{lostRows} rows");
            if (lostColumns != 0) lost.Add(lostColumns == 1 ? "1 column" : $"{lostColumns} columns");
            report(DiagnosticDescriptors.StrideDropsInput, [layer.Name, layer.StrideH == layer.StrideW ? layer.StrideH.ToString() : $"{layer.StrideH}x{layer.StrideW}",
                $"{paddedH}x{paddedW}", input.Text, input.After, Pad(layer), $"{extentH}x{extentW}", string.Join(" and ", lost)]);
        }
        return [(paddedH - extentH) / layer.StrideH + 1, (paddedW - extentW) / layer.StrideW + 1];
    }

    private static string Pad(LayerSpec layer) => layer.PadH == layer.PadW ? layer.PadH.ToString() : $"{layer.PadH}x{layer.PadW}";
}
