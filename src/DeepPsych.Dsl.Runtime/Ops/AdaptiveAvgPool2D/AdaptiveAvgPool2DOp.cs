namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Adaptive average pooling to a fixed OH × OW (torchvision's AlexNet/VGG heads; PyTorch's <c>adaptive_avg_pool2d</c>):
/// output (oh, ow) is the mean of x over the bins [⌊oh·H/OH⌋, ⌈(oh+1)·H/OH⌉) × [⌊ow·W/OW⌋, ⌈(ow+1)·W/OW⌉)
/// (<see cref="AdaptiveBins"/>). Per sample, so it may run on a batch shard.
/// </summary>
/// <remarks>Scalar loops: the windows are irregular and each input value is read about once (the op is negligible next
/// to the convolutions around it); when OH, OW divide H, W it is ordinary average pooling.</remarks>
public static class AdaptiveAvgPool2DOp
{
    /// <summary>y[n, c, oh, ow] = mean of the bin.</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="inHeight">H.</param>
    /// <param name="inWidth">W.</param>
    /// <param name="outHeight">OH (≥ 1; may exceed H).</param>
    /// <param name="outWidth">OW (≥ 1; may exceed W).</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="y">Output, N × C × OH × OW (overwritten).</param>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void Forward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, ReadOnlySpan<float> x, Span<float> y)
    {
        Check("AdaptiveAvgPool2DOp.Forward", batch, channels, inHeight, inWidth, outHeight, outWidth, x.Length, "x", y.Length, "y");
        int o = 0;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            var xs = x.Slice(plane * inHeight * inWidth, inHeight * inWidth);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int h0 = AdaptiveBins.Start(oh, inHeight, outHeight), h1 = AdaptiveBins.End(oh, inHeight, outHeight);
                for (int ow = 0; ow < outWidth; ow++, o++)
                {
                    int w0 = AdaptiveBins.Start(ow, inWidth, outWidth), w1 = AdaptiveBins.End(ow, inWidth, outWidth);
                    float sum = 0f;
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) sum += xs[ih * inWidth + iw];
                    y[o] = sum / ((h1 - h0) * (w1 - w0));
                }
            }
        }
    }

    /// <summary>dx[bin] += dy / |bin| for every bin (accumulates; overlapping bins add).</summary>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void Backward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check("AdaptiveAvgPool2DOp.Backward", batch, channels, inHeight, inWidth, outHeight, outWidth, dx.Length, "dx", dy.Length, "dy");
        int o = 0;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            var dxs = dx.Slice(plane * inHeight * inWidth, inHeight * inWidth);
            for (int oh = 0; oh < outHeight; oh++)
            {
                int h0 = AdaptiveBins.Start(oh, inHeight, outHeight), h1 = AdaptiveBins.End(oh, inHeight, outHeight);
                for (int ow = 0; ow < outWidth; ow++, o++)
                {
                    int w0 = AdaptiveBins.Start(ow, inWidth, outWidth), w1 = AdaptiveBins.End(ow, inWidth, outWidth);
                    float g = dy[o] / ((h1 - h0) * (w1 - w0));
                    for (int ih = h0; ih < h1; ih++)
                        for (int iw = w0; iw < w1; iw++) dxs[ih * inWidth + iw] += g;
                }
            }
        }
    }

    private static void Check(string op, int batch, int channels, int h, int w, int oh, int ow, int inLength, string inName, int outLength, string outName)
    {
        if (batch < 0 || channels <= 0 || h <= 0 || w <= 0 || oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} input {h}x{w} output {oh}x{ow} (all must be positive).");
        if (inLength != (long)batch * channels * h * w)
            throw new ArgumentException($"{op}: {inName} has {inLength} elements but {batch}x{channels}x{h}x{w} = {(long)batch * channels * h * w} are needed.");
        if (outLength != (long)batch * channels * oh * ow)
            throw new ArgumentException($"{op}: {outName} has {outLength} elements but {batch}x{channels}x{oh}x{ow} = {(long)batch * channels * oh * ow} are needed.");
    }
}
