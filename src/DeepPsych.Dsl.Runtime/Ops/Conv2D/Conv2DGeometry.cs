namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Shape of a 2-D convolution on one sample, PyTorch conventions: input C×H×W (NCHW), weight O×(C/G)×KH×KW (OIHW),
/// output O×OH×OW with OH = (H + PadH + PadBottom − DilationH·(KernelH − 1) − 1) / StrideH + 1 (likewise OW).
/// Padding is symmetric unless <see cref="PadBottom"/> / <see cref="PadRight"/> are set (ONNX-style per-side pads): the
/// top/left pads place the windows, the bottom/right pads only decide how many fit.
/// </summary>
/// <param name="InChannels">C, input channels.</param>
/// <param name="InHeight">H.</param>
/// <param name="InWidth">W.</param>
/// <param name="OutChannels">O, output channels (filters).</param>
/// <param name="KernelH">KH.</param>
/// <param name="KernelW">KW.</param>
/// <param name="StrideH">Vertical stride (≥ 1).</param>
/// <param name="StrideW">Horizontal stride (≥ 1).</param>
/// <param name="PadH">Zero padding above (and below unless <see cref="PadBottom"/> differs; ≥ 0).</param>
/// <param name="PadW">Zero padding left (and right unless <see cref="PadRight"/> differs; ≥ 0).</param>
/// <param name="DilationH">Vertical dilation (≥ 1; 1 = dense kernel).</param>
/// <param name="DilationW">Horizontal dilation (≥ 1).</param>
/// <param name="Groups">G: C and O are split into G groups; group g's outputs see only group g's inputs. G = C is depthwise.</param>
public readonly record struct Conv2DGeometry(int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
{
    /// <summary>Zero padding below (default <see cref="PadH"/>).</summary>
    public int PadBottom { get; init; } = PadH;

    /// <summary>Zero padding on the right (default <see cref="PadW"/>).</summary>
    public int PadRight { get; init; } = PadW;

    /// <summary>OH = (H + PadH + PadBottom − DilationH·(KH − 1) − 1) / StrideH + 1 (0 if the geometry is invalid).</summary>
    public int OutHeight => StrideH > 0 ? Math.Max(0, SlidingWindow.OutputSize(InHeight, KernelH, StrideH, PadH, PadBottom, DilationH, ceilMode: false)) : 0;

    /// <summary>OW = (W + PadW + PadRight − DilationW·(KW − 1) − 1) / StrideW + 1 (0 if the geometry is invalid).</summary>
    public int OutWidth => StrideW > 0 ? Math.Max(0, SlidingWindow.OutputSize(InWidth, KernelW, StrideW, PadW, PadRight, DilationW, ceilMode: false)) : 0;

    /// <summary>H + PadH + PadBottom: the height of the zero-padded input.</summary>
    public int PaddedHeight => InHeight + PadH + PadBottom;

    /// <summary>W + PadW + PadRight: the width of the zero-padded input.</summary>
    public int PaddedWidth => InWidth + PadW + PadRight;

    /// <summary>No padding on any side.</summary>
    public bool Unpadded => PadH == 0 && PadW == 0 && PadBottom == 0 && PadRight == 0;

    /// <summary>"1x2" for symmetric padding, else "top,left,bottom,right".</summary>
    public string PaddingText => PadBottom == PadH && PadRight == PadW ? $"{PadH}x{PadW}" : $"{PadH},{PadW},{PadBottom},{PadRight} (top,left,bottom,right)";

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
            || StrideH <= 0 || StrideW <= 0 || PadH < 0 || PadW < 0 || PadBottom < 0 || PadRight < 0 || DilationH <= 0 || DilationW <= 0 || Groups <= 0)
            throw new ArgumentException($"{op}: invalid geometry {this}: sizes, kernel, stride, dilation and groups must be positive and padding non-negative.");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"{op}: {InChannels} input and {OutChannels} output channels must both be divisible by groups={Groups}.");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"{op}: kernel {KernelH}x{KernelW} (dilation {DilationH}x{DilationW}) does not fit the {InHeight}x{InWidth} input with padding {PaddingText}.");
    }
}
