namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Shape of a 2-D pooling window on one sample (PyTorch conventions): input C×H×W, output C×OH×OW with
/// OH = ⌊(H + PadH + PadBottom − KernelH) / StrideH⌋ + 1 (likewise OW), or with <see cref="CeilMode"/> ⌈…⌉ + 1 less a last
/// window that would start in the bottom/right padding (<see cref="SlidingWindow.OutputSize(int, int, int, int, int, int, bool)"/>).
/// Each padding must be at most half the kernel. Padding is symmetric unless <see cref="PadBottom"/> / <see cref="PadRight"/>
/// are set (ONNX-style per-side pads).
/// </summary>
/// <param name="Channels">C.</param>
/// <param name="InHeight">H.</param>
/// <param name="InWidth">W.</param>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Implicit padding above (and below unless <see cref="PadBottom"/> differs).</param>
/// <param name="PadW">Implicit padding left (and right unless <see cref="PadRight"/> differs).</param>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Implicit padding below (default <see cref="PadH"/>).</summary>
    public int PadBottom { get; init; } = PadH;

    /// <summary>Implicit padding on the right (default <see cref="PadW"/>).</summary>
    public int PadRight { get; init; } = PadW;

    /// <summary>PyTorch's ceil_mode: the last window may run past the input into (or beyond) the bottom/right padding, as long
    /// as it starts inside the input or the top/left padding. Such a window reads only real input cells (max) and divides by
    /// the cells inside input + padding (avg, count_include_pad).</summary>
    public bool CeilMode { get; init; }

    /// <summary>OH (0 if invalid).</summary>
    public int OutHeight => StrideH > 0 ? Math.Max(0, SlidingWindow.OutputSize(InHeight, KernelH, StrideH, PadH, PadBottom, 1, CeilMode)) : 0;

    /// <summary>OW (0 if invalid).</summary>
    public int OutWidth => StrideW > 0 ? Math.Max(0, SlidingWindow.OutputSize(InWidth, KernelW, StrideW, PadW, PadRight, 1, CeilMode)) : 0;

    /// <summary>C·H·W: floats per input sample.</summary>
    public int InputLength => Channels * InHeight * InWidth;

    /// <summary>C·OH·OW: floats per output sample.</summary>
    public int OutputLength => Channels * OutHeight * OutWidth;

    /// <summary>Square window k with stride s (default k) and padding p.</summary>
    public static Pool2DGeometry Square(int channels, int inHeight, int inWidth, int kernel, int stride = 0, int padding = 0)
        => new(channels, inHeight, inWidth, kernel, kernel, stride == 0 ? kernel : stride, stride == 0 ? kernel : stride, padding, padding);

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="op"/> if the geometry is not valid
    /// (public so that every backend can run this one check).</summary>
    public void Validate(string op)
    {
        if (Channels <= 0 || InHeight <= 0 || InWidth <= 0 || KernelH <= 0 || KernelW <= 0 || StrideH <= 0 || StrideW <= 0
            || PadH < 0 || PadW < 0 || PadBottom < 0 || PadRight < 0)
            throw new ArgumentException($"{op}: invalid geometry {this}: sizes, kernel and stride must be positive and padding non-negative.");
        if (2 * Math.Max(PadH, PadBottom) > KernelH || 2 * Math.Max(PadW, PadRight) > KernelW)
            throw new ArgumentException($"{op}: padding {PaddingText} must be at most half the {KernelH}x{KernelW} window on every side (as PyTorch).");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"{op}: window {KernelH}x{KernelW} does not fit the {InHeight}x{InWidth} input with padding {PaddingText}.");
    }

    /// <summary>"1x2" for symmetric padding, else "top,left,bottom,right".</summary>
    public string PaddingText => PadBottom == PadH && PadRight == PadW ? $"{PadH}x{PadW}" : $"{PadH},{PadW},{PadBottom},{PadRight} (top,left,bottom,right)";

    /// <summary>The window of output (oh, ow) clipped to the input, [h0, h1) × [w0, w1), and its size clipped to the padded
    /// input (PyTorch's pool_size: what count_include_pad divides by; with ceil mode a last window can stick out of it).
    /// The one place the CPU pooling ops read a window's bounds (the ILGPU kernels restate it on their PoolShape).</summary>
    public void Window(int oh, int ow, out int h0, out int h1, out int w0, out int w1, out int paddedCount)
    {
        h0 = oh * StrideH - PadH; w0 = ow * StrideW - PadW;
        h1 = Math.Min(h0 + KernelH, InHeight + PadBottom); w1 = Math.Min(w0 + KernelW, InWidth + PadRight);
        paddedCount = (h1 - h0) * (w1 - w0);
        h0 = Math.Max(h0, 0); w0 = Math.Max(w0, 0);
        h1 = Math.Min(h1, InHeight); w1 = Math.Min(w1, InWidth);
    }

    internal void CheckLengths(string op, int batch, int inputLength, string inputName, int outputLength, string outputName)
    {
        Validate(op);
        if (batch < 0) throw new ArgumentException($"{op}: batch is {batch}.");
        if (inputLength != (long)batch * InputLength)
            throw new ArgumentException($"{op}: {inputName} has {inputLength} elements but {batch}x{Channels}x{InHeight}x{InWidth} = {(long)batch * InputLength} are needed.");
        if (outputLength != (long)batch * OutputLength)
            throw new ArgumentException($"{op}: {outputName} has {outputLength} elements but {batch}x{Channels}x{OutHeight}x{OutWidth} = {(long)batch * OutputLength} are needed.");
    }
}
