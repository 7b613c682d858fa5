namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>A sliding window's options per axis, shared by Conv2D and the 2-D pools: the checks on them and the output
/// size (the formula itself is <see cref="SlidingWindow"/>, shared with the runtime). PadH/PadW pad the top/left, and the
/// bottom/right too unless <see cref="PadBottom"/>/<see cref="PadRight"/> differ (ONNX-style per-side pads).</summary>
internal readonly record struct Window2D(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    /// <summary>Padding below (default PadH).</summary>
    public int PadBottom { get; init; } = PadH;
    /// <summary>Padding on the right (default PadW).</summary>
    public int PadRight { get; init; } = PadW;
    /// <summary>PyTorch's ceil_mode (pools only).</summary>
    public bool CeilMode { get; init; }
    /// <summary>The symmetric option(s) declared beside per-side padding ("Padding"), reported as DPD0060; null when none.</summary>
    public string? PaddingClash { get; init; }

    /// <summary>Whether the bottom/right padding differs from the top/left.</summary>
    public bool Asymmetric => PadBottom != PadH || PadRight != PadW;

    /// <summary>"1", "1x2" or, per side, "t,l,b,r".</summary>
    public string PadText => Asymmetric ? $"{PadH},{PadW},{PadBottom},{PadRight}" : PadH == PadW ? PadH.ToString() : $"{PadH}x{PadW}";

    /// <summary>Applies the per-side options of a <see cref="WindowAttribute"/> (PadTop, PadLeft, PadBottom, PadRight; -1 =
    /// not declared, defaults from <paramref name="d"/>): any side declared replaces the symmetric padding, sides not declared
    /// being 0. <paramref name="symmetric"/> names the attribute's symmetric padding options; declaring one of them too is a
    /// clash (DPD0060, reported by <see cref="CheckOptions"/>).</summary>
    public Window2D WithSides(AttributeReader a, WindowAttribute d, params string[] symmetric)
    {
        int top = a.Int(nameof(d.PadTop), d.PadTop), left = a.Int(nameof(d.PadLeft), d.PadLeft);
        int bottom = a.Int(nameof(d.PadBottom), d.PadBottom), right = a.Int(nameof(d.PadRight), d.PadRight);
        if (top == -1 && left == -1 && bottom == -1 && right == -1) return this;
        var declared = symmetric.Where(a.Has).ToArray();
        static int Side(int v) => v == -1 ? 0 : v;
        return this with
        {
            PadH = Side(top), PadW = Side(left), PadBottom = Side(bottom), PadRight = Side(right),
            PaddingClash = declared.Length == 0 ? null : string.Join(" and ", declared),
        };
    }

    /// <summary>DPD0006 for a stride or dilation below 1 or negative padding; DPD0060 for symmetric and per-side padding together.</summary>
    public void CheckOptions(ShapeContext c)
    {
        if (StrideH <= 0 || StrideW <= 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Stride", StrideH, "a stride must be at least 1", "use Stride = 1 for no down-sampling");
        if (DilationH <= 0 || DilationW <= 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Dilation", DilationH, "a dilation must be at least 1", "use Dilation = 1 for a dense kernel");
        if (System.Math.Min(System.Math.Min(PadH, PadW), System.Math.Min(PadBottom, PadRight)) < 0)
            c.Report(DiagnosticDescriptors.InvalidGeometry, c.Name, "Padding", PadText, "padding cannot be negative", "use Padding = 0 or more");
        if (PaddingClash is not null)
            c.Report(DiagnosticDescriptors.PaddingDeclaredTwice, c.Name, PaddingClash, PadText);
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
        int paddedH = h + PadH + PadBottom, paddedW = w + PadW + PadRight;
        int outH = SlidingWindow.OutputSize(h, KernelH, StrideH, PadH, PadBottom, DilationH, CeilMode);
        int outW = SlidingWindow.OutputSize(w, KernelW, StrideW, PadW, PadRight, DilationW, CeilMode);
        if (outH <= 0 || outW <= 0)
        {
            c.Report(DiagnosticDescriptors.KernelDoesNotFit, c.Name, $"{KernelH}x{KernelW}", $"{extentH}x{extentW}", $"{h}x{w}", input.Text, input.After, PadText);
            return null;
        }
        int lostRows = SlidingWindow.Unread(h, KernelH, StrideH, PadH, PadBottom, DilationH, CeilMode);
        int lostColumns = SlidingWindow.Unread(w, KernelW, StrideW, PadW, PadRight, DilationW, CeilMode);
        if (lostRows != 0 || lostColumns != 0)
        {
            var lost = new List<string>();
            if (lostRows != 0) lost.Add(lostRows == 1 ? "1 row" : $"{lostRows} rows");
            if (lostColumns != 0) lost.Add(lostColumns == 1 ? "1 column" : $"{lostColumns} columns");
            c.Report(DiagnosticDescriptors.StrideDropsInput, c.Name, StrideH == StrideW ? StrideH.ToString() : $"{StrideH}x{StrideW}",
                $"{paddedH}x{paddedW}", input.Text, input.After, PadText, $"{extentH}x{extentW}", string.Join(" and ", lost));
        }
        return [outH, outW];
    }

    /// <summary>The geometry's per-side and ceil-mode initialisers for generated code (" { PadBottom = 2, … }"), empty for
    /// the symmetric floor-mode windows every existing network has (their generated code stays as it was).</summary>
    public string GeometryInitializers
    {
        get
        {
            var parts = new List<string>();
            if (PadBottom != PadH) parts.Add($"PadBottom = {PadBottom}");
            if (PadRight != PadW) parts.Add($"PadRight = {PadRight}");
            if (CeilMode) parts.Add("CeilMode = true");
            return parts.Count == 0 ? "" : " { " + string.Join(", ", parts) + " }";
        }
    }
}
