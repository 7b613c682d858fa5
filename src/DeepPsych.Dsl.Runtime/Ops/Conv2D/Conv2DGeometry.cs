namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Shape of a 2-D convolution on one sample, PyTorch conventions: input C×H×W (NCHW), weight O×(C/G)×KH×KW (OIHW),
/// output O×OH×OW with OH = (H + 2·PadH − DilationH·(KernelH − 1) − 1) / StrideH + 1 (likewise OW).
/// </summary>
/// <param name="InChannels">C, input channels.</param>
/// <param name="InHeight">H.</param>
/// <param name="InWidth">W.</param>
/// <param name="OutChannels">O, output channels (filters).</param>
/// <param name="KernelH">KH.</param>
/// <param name="KernelW">KW.</param>
/// <param name="StrideH">Vertical stride (≥ 1).</param>
/// <param name="StrideW">Horizontal stride (≥ 1).</param>
/// <param name="PadH">Zero padding above and below (≥ 0).</param>
/// <param name="PadW">Zero padding left and right (≥ 0).</param>
/// <param name="DilationH">Vertical dilation (≥ 1; 1 = dense kernel).</param>
/// <param name="DilationW">Horizontal dilation (≥ 1).</param>
/// <param name="Groups">G: C and O are split into G groups; group g's outputs see only group g's inputs. G = C is depthwise.</param>
public readonly record struct Conv2DGeometry(int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
{
    /// <summary>OH = (H + 2·PadH − DilationH·(KH − 1) − 1) / StrideH + 1 (0 if the geometry is invalid).</summary>
    public int OutHeight { get; } = StrideH > 0 ? Math.Max(0, SlidingWindow.OutputSize(InHeight, KernelH, StrideH, PadH, DilationH)) : 0;

    /// <summary>OW = (W + 2·PadW − DilationW·(KW − 1) − 1) / StrideW + 1 (0 if the geometry is invalid).</summary>
    public int OutWidth { get; } = StrideW > 0 ? Math.Max(0, SlidingWindow.OutputSize(InWidth, KernelW, StrideW, PadW, DilationW)) : 0;

    /// <summary>C·H·W: floats per input sample.</summary>
    public int InputLength => InChannels * InHeight * InWidth;

    /// <summary>O·OH·OW: floats per output sample.</summary>
    public int OutputLength => OutChannels * OutHeight * OutWidth;

    /// <summary>O·(C/G)·KH·KW: floats in the weight tensor.</summary>
    public int WeightLength => OutChannels * (Groups > 0 ? InChannels / Groups : 0) * KernelH * KernelW;

    /// <summary>Square convolution: kernel k, stride s, padding p, dilation d, groups g on a C×H×W input.</summary>
    public static Conv2DGeometry Square(int inChannels, int inHeight, int inWidth, int outChannels, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
        => new(inChannels, inHeight, inWidth, outChannels, kernel, kernel, stride, stride, padding, padding, dilation, dilation, groups);

    /// <summary>Multiply–adds per sample in the forward pass (O·OH·OW·(C/G)·KH·KW); FLOPs are twice this.</summary>
    public long MultiplyAdds => (long)OutputLength * (Groups > 0 ? InChannels / Groups : 0) * KernelH * KernelW;

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="op"/> if the geometry is not a valid convolution.
    /// The one check every backend runs (the CPU op and the ILGPU backend call it).</summary>
    public void Validate(string op)
    {
        if (InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0 || KernelH <= 0 || KernelW <= 0
            || StrideH <= 0 || StrideW <= 0 || PadH < 0 || PadW < 0 || DilationH <= 0 || DilationW <= 0 || Groups <= 0)
            throw new ArgumentException($"{op}: invalid geometry {this}: sizes, kernel, stride, dilation and groups must be positive and padding non-negative.");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"{op}: {InChannels} input and {OutChannels} output channels must both be divisible by groups={Groups}.");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"{op}: kernel {KernelH}x{KernelW} (dilation {DilationH}x{DilationW}) does not fit the {InHeight}x{InWidth} input with padding {PadH}x{PadW}.");
    }
}
