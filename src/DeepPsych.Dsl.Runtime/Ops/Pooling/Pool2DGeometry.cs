namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Shape of a 2-D pooling window on one sample (PyTorch conventions, ceil_mode = false): input C×H×W,
/// output C×OH×OW with OH = (H + 2·PadH − KernelH) / StrideH + 1 (likewise OW). Padding must be at most half the kernel.
/// </summary>
/// <param name="Channels">C.</param>
/// <param name="InHeight">H.</param>
/// <param name="InWidth">W.</param>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Implicit padding above and below.</param>
/// <param name="PadW">Implicit padding left and right.</param>
public readonly record struct Pool2DGeometry(int Channels, int InHeight, int InWidth, int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>OH = (H + 2·PadH − KernelH) / StrideH + 1 (0 if invalid).</summary>
    public int OutHeight { get; } = StrideH > 0 ? Math.Max(0, SlidingWindow.OutputSize(InHeight, KernelH, StrideH, PadH)) : 0;

    /// <summary>OW = (W + 2·PadW − KernelW) / StrideW + 1 (0 if invalid).</summary>
    public int OutWidth { get; } = StrideW > 0 ? Math.Max(0, SlidingWindow.OutputSize(InWidth, KernelW, StrideW, PadW)) : 0;

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
        if (Channels <= 0 || InHeight <= 0 || InWidth <= 0 || KernelH <= 0 || KernelW <= 0 || StrideH <= 0 || StrideW <= 0 || PadH < 0 || PadW < 0)
            throw new ArgumentException($"{op}: invalid geometry {this}: sizes, kernel and stride must be positive and padding non-negative.");
        if (2 * PadH > KernelH || 2 * PadW > KernelW)
            throw new ArgumentException($"{op}: padding {PadH}x{PadW} must be at most half the {KernelH}x{KernelW} window (as PyTorch).");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"{op}: window {KernelH}x{KernelW} does not fit the {InHeight}x{InWidth} input with padding {PadH}x{PadW}.");
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
