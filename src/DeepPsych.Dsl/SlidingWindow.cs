// Also compiled into the generator as linked source (see its .csproj): the same formula at compile time and run time.
namespace DeepPsych.Dsl;

/// <summary>The output size of a sliding window (convolution or pooling) on one axis, as PyTorch computes it
/// (<c>pooling_output_shape_pad_lr</c>: padding before and after may differ, ONNX-style, and pooling may use ceil_mode).
/// Written once: the runtime's <c>Conv2DGeometry</c> and <c>Pool2DGeometry</c> and the generator's shape inference all call it.</summary>
public static class SlidingWindow
{
    /// <summary>The input span one window covers: d·(k − 1) + 1.</summary>
    public static int Extent(int kernel, int dilation) => dilation * (kernel - 1) + 1;

    /// <summary>⌊(in + 2·pad − extent) / stride⌋ + 1, extent = dilation·(kernel − 1) + 1 (symmetric padding, floor mode).</summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, int dilation = 1)
        => OutputSize(input, kernel, stride, pad, pad, dilation, ceilMode: false);

    /// <summary>
    /// PyTorch's rule with padding <paramref name="padBefore"/> (top/left) and <paramref name="padAfter"/> (bottom/right):
    /// span = in + padBefore + padAfter − extent; floor mode ⌊span / stride⌋ + 1, ceil mode ⌈span / stride⌉ + 1, and in ceil
    /// mode the last window must start inside the input or its left padding ((out − 1)·stride &lt; in + padBefore), else it
    /// is dropped. Division rounds towards −∞, so a window that does not fit gives 0 or less. Needs stride ≥ 1.
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int padBefore, int padAfter, int dilation, bool ceilMode)
    {
        int span = input + padBefore + padAfter - Extent(kernel, dilation);
        int size = FloorDiv(ceilMode ? span + stride - 1 : span, stride) + 1;
        if (ceilMode && size > 0 && (size - 1) * stride >= input + padBefore) size--;
        return size;
    }

    /// <summary>Padded input cells past the last window: (in + 2·pad − extent) mod stride. Non-zero means the stride
    /// leaves rows or columns unread (the generator warns, DPD0005).</summary>
    public static int Unread(int input, int kernel, int stride, int pad, int dilation = 1)
        => Unread(input, kernel, stride, pad, pad, dilation, ceilMode: false);

    /// <summary>Cells past the last window: in floor mode the padded cells (in + padBefore + padAfter − covered); in ceil mode,
    /// where the last window may run into or past the padding by design, only the real input cells it leaves unread.</summary>
    public static int Unread(int input, int kernel, int stride, int padBefore, int padAfter, int dilation, bool ceilMode)
    {
        int size = OutputSize(input, kernel, stride, padBefore, padAfter, dilation, ceilMode);
        if (size <= 0) return 0;
        int covered = (size - 1) * stride + Extent(kernel, dilation);
        return System.Math.Max(0, (ceilMode ? input + padBefore : input + padBefore + padAfter) - covered);
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
