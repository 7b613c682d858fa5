// Also compiled into the generator as linked source (see its .csproj): the same formula at compile time and run time.
namespace DeepPsych.Dsl;

/// <summary>The output size of a sliding window (convolution or pooling) on one axis, as PyTorch computes it
/// (ceil_mode = false). Written once: the runtime's <c>Conv2DGeometry</c> and <c>Pool2DGeometry</c> and the
/// generator's shape inference all call it.</summary>
public static class SlidingWindow
{
    /// <summary>The input span one window covers: d·(k − 1) + 1.</summary>
    public static int Extent(int kernel, int dilation) => dilation * (kernel - 1) + 1;

    /// <summary>⌊(in + 2·pad − extent) / stride⌋ + 1, extent = dilation·(kernel − 1) + 1. Meaningful only when the window
    /// fits (extent ≤ in + 2·pad) and stride ≥ 1; callers check those first.</summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, int dilation = 1)
        => (input + 2 * pad - Extent(kernel, dilation)) / stride + 1;

    /// <summary>Padded input cells past the last window: (in + 2·pad − extent) mod stride. Non-zero means the stride
    /// leaves rows or columns unread (the generator warns, DPD0005).</summary>
    public static int Unread(int input, int kernel, int stride, int pad, int dilation = 1)
        => (input + 2 * pad - Extent(kernel, dilation)) % stride;
}
