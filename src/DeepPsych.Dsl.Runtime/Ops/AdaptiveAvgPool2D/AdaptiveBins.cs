// Also compiled into the generator as linked source (see its .csproj): the SPP ONNX export slices the same bins.
namespace DeepPsych.Dsl.Ops;

/// <summary>
/// The bins of adaptive pooling along one axis (PyTorch's <c>adaptive_avg_pool2d</c>/<c>adaptive_max_pool2d</c>, and the
/// spatial pyramid's bins): bin i of n over an axis of a cells is [⌊i·a/n⌋, ⌈(i+1)·a/n⌉). Every cell lies in some bin,
/// no bin is empty (even when n &gt; a), and neighbouring bins overlap by at most one cell.
/// </summary>
/// <remarks>
/// He et al. (2014) describe the pyramid's bins as windows of ⌈a/n⌉ with stride ⌊a/n⌋. Those are exactly these bins
/// whenever the paper's last window ends at the edge ((n − 1)·⌊a/n⌋ + ⌈a/n⌉ = a: e.g. a = 13 with n = 1, 2, 3, 4, 6 — the
/// paper's own conv5 case); otherwise the paper's windows leave cells at the right/bottom edge unpooled (a = 10, n = 4:
/// windows [0,3) [2,5) [4,7) [6,9) drop cell 9) or, for n &gt; a, collapse onto cell 0 (stride 0). We implement the
/// adaptive bins, as torchvision-era SPP implementations (adaptive_max_pool2d per level) do; the tests check that both
/// agree wherever the paper's windows cover the axis. Plain static integer code: the ILGPU kernels call it too.
/// </remarks>
public static class AdaptiveBins
{
    /// <summary>⌊i·a/n⌋: first cell of bin i.</summary>
    public static int Start(int i, int cells, int bins) => i * cells / bins;

    /// <summary>⌈(i+1)·a/n⌉: one past the last cell of bin i.</summary>
    public static int End(int i, int cells, int bins) => ((i + 1) * cells + bins - 1) / bins;

    /// <summary>The bins [i0, i1] that hold cell p (for gathering backward passes).</summary>
    public static void Covering(int p, int cells, int bins, out int i0, out int i1)
    {
        // End(i) > p ⇔ (i+1)·a > p·n ⇔ i ≥ ⌊p·n/a⌋ ;  Start(i) ≤ p ⇔ ⌊i·a/n⌋ ≤ p ⇔ i·a < (p+1)·n ⇔ i ≤ ⌈(p+1)·n/a⌉ − 1.
        i0 = p * bins / cells;
        i1 = ((p + 1) * bins + cells - 1) / cells - 1;
        if (i1 > bins - 1) i1 = bins - 1;
    }
}
