namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>A sliding window's options per axis, shared by Conv2D and the 2-D pools: the checks on them and the output
/// size (the formula itself is <see cref="SlidingWindow"/>, shared with the runtime).</summary>
internal readonly record struct Window2D(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    public string PadText => PadH == PadW ? PadH.ToString() : $"{PadH}x{PadW}";

    /// <summary>DPD0006 for a stride or dilation below 1 or negative padding.</summary>
    public void CheckOptions(ShapeContext c)
    {
        if (StrideH <= 0 || StrideW <= 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Stride", StrideH, "a stride must be at least 1", "use Stride = 1 for no down-sampling");
        if (DilationH <= 0 || DilationW <= 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Dilation", DilationH, "a dilation must be at least 1", "use Dilation = 1 for a dense kernel");
        if (PadH < 0 || PadW < 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Padding", System.Math.Min(PadH, PadW), "padding cannot be negative", "use Padding = 0 or more");
    }

    /// <summary>Output height and width, or null after DPD0003 (the window does not fit). Warns once (DPD0005) when the
    /// stride leaves rows or columns of the padded input unread.</summary>
    public int[]? OutputSize(ShapeContext c)
    {
        var input = c.Input;
        int h = input.Shape[1], w = input.Shape[2];
        if (!SizeLimits.Check(c, $"the dilated kernel extent of Kernel {KernelH}x{KernelW} with Dilation {DilationH}",
                System.Math.Max((long)DilationH * (KernelH - 1L), (long)DilationW * (KernelW - 1L)) + 1, "rows or columns", "use a smaller Kernel or Dilation")
            || !SizeLimits.Check(c, $"the padded {h}x{w} input (padding {PadText})", System.Math.Max(h + 2L * PadH, w + 2L * PadW), "rows or columns", "use a smaller Padding"))
            return null;
        int extentH = SlidingWindow.Extent(KernelH, DilationH), extentW = SlidingWindow.Extent(KernelW, DilationW);
        int paddedH = h + 2 * PadH, paddedW = w + 2 * PadW;
        if (extentH > paddedH || extentW > paddedW)
        {
            c.Report(DiagnosticDescriptors.KernelDoesNotFit, c.Name, $"{KernelH}x{KernelW}", $"{extentH}x{extentW}", $"{h}x{w}", input.Text, input.After, PadText);
            return null;
        }
        int lostRows = SlidingWindow.Unread(h, KernelH, StrideH, PadH, DilationH), lostColumns = SlidingWindow.Unread(w, KernelW, StrideW, PadW, DilationW);
        if (lostRows != 0 || lostColumns != 0)
        {
            var lost = new List<string>();
            if (lostRows != 0) lost.Add(lostRows == 1 ? "1 row" : $"{lostRows} rows");
            if (lostColumns != 0) lost.Add(lostColumns == 1 ? "1 column" : $"{lostColumns} columns");
            c.Report(DiagnosticDescriptors.StrideDropsInput, c.Name, StrideH == StrideW ? StrideH.ToString() : $"{StrideH}x{StrideW}",
                $"{paddedH}x{paddedW}", input.Text, input.After, PadText, $"{extentH}x{extentW}", string.Join(" and ", lost));
        }
        return [SlidingWindow.OutputSize(h, KernelH, StrideH, PadH, DilationH), SlidingWindow.OutputSize(w, KernelW, StrideW, PadW, DilationW)];
    }
}
