namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Spatial pyramid pooling (He et al. 2014, SPP-net): for each level n (e.g. {4, 2, 1} or {6, 3, 2, 1}) the C × H × W
/// input is max-pooled into n × n bins, and the levels are concatenated into one fixed-length vector of C·Σ n² per sample,
/// whatever H × W is — <c>torch.cat([adaptive_max_pool2d(x, n).flatten(1) for n in levels], 1)</c>. Per sample the output is
/// level after level, each laid out C × n × n. Bins are <see cref="AdaptiveBins"/> (its remarks say where they and the
/// paper's ⌈a/n⌉-window, ⌊a/n⌋-stride bins coincide). Max semantics as <see cref="MaxPool2DOp"/>: NaN wins, the first
/// maximum in row-major order on ties; forward records each winner's flat index within its sample for backward.
/// </summary>
/// <remarks>Scalar loops: the bins are irregular and each level reads the input about once. Per sample, so it may run on a
/// batch shard. The input size is a call argument, so it may change between calls (the point of SPP).</remarks>
public static class SpatialPyramidPoolOp
{
    /// <summary>C·Σ n²: floats per output sample.</summary>
    /// <exception cref="ArgumentException">No levels, or a level below 1.</exception>
    public static int OutputLength(int channels, ReadOnlySpan<int> levels)
    {
        if (levels.IsEmpty) throw new ArgumentException("SpatialPyramidPoolOp: no levels; give at least one, e.g. {4, 2, 1}.");
        long bins = 0;
        foreach (int n in levels)
        {
            if (n <= 0) throw new ArgumentException($"SpatialPyramidPoolOp: level {n} must be at least 1 (levels {string.Join(", ", levels.ToArray())}).");
            bins += (long)n * n;
        }
        return checked((int)(channels * bins));
    }

    /// <summary>y = per level, per channel, the max of each bin; argmax = the winner's flat index c·H·W + ih·W + iw within its sample.</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="inHeight">H.</param>
    /// <param name="inWidth">W.</param>
    /// <param name="levels">Bins per side of each level, in output order.</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="y">Output, N × <see cref="OutputLength"/> (overwritten).</param>
    /// <param name="argmax">Same length as y (overwritten; kept for backward).</param>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void Forward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        const string op = "SpatialPyramidPoolOp.Forward";
        int outLen = Check(op, batch, channels, inHeight, inWidth, levels, x.Length, "x", y.Length, "y");
        if (argmax.Length != y.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but y has {y.Length}.");
        int inLen = channels * inHeight * inWidth, o = 0;
        for (int s = 0; s < batch; s++)
        {
            var xs = x.Slice(s * inLen, inLen);
            foreach (int n in levels)
                for (int c = 0; c < channels; c++)
                {
                    int plane = c * inHeight * inWidth;
                    for (int bh = 0; bh < n; bh++)
                    {
                        int h0 = AdaptiveBins.Start(bh, inHeight, n), h1 = AdaptiveBins.End(bh, inHeight, n);
                        for (int bw = 0; bw < n; bw++, o++)
                        {
                            int w0 = AdaptiveBins.Start(bw, inWidth, n), w1 = AdaptiveBins.End(bw, inWidth, n);
                            float best = float.NegativeInfinity;
                            int at = plane + h0 * inWidth + w0;
                            for (int ih = h0; ih < h1; ih++)
                                for (int iw = w0; iw < w1; iw++)
                                {
                                    int i = plane + ih * inWidth + iw;
                                    float v = xs[i];
                                    if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; at = i; }
                                }
                            y[o] = best;
                            argmax[o] = at;
                        }
                    }
                }
        }
        System.Diagnostics.Debug.Assert(o == batch * outLen);
    }

    /// <summary>dx[n, argmax] += dy (accumulates).</summary>
    /// <exception cref="ArgumentException">Invalid shape, a span of the wrong length, or an argmax outside its sample.</exception>
    public static void Backward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        const string op = "SpatialPyramidPoolOp.Backward";
        int outLen = Check(op, batch, channels, inHeight, inWidth, levels, dx.Length, "dx", dy.Length, "dy");
        if (argmax.Length != dy.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but dy has {dy.Length}.");
        int inLen = channels * inHeight * inWidth;
        for (int s = 0; s < batch; s++)
        {
            var dxs = dx.Slice(s * inLen, inLen);   // the slice bounds-checks every argmax against its own sample
            for (int i = s * outLen, end = i + outLen; i < end; i++) dxs[argmax[i]] += dy[i];
        }
    }

    private static int Check(string op, int batch, int channels, int h, int w, ReadOnlySpan<int> levels, int inLength, string inName, int outLength, string outName)
    {
        if (batch < 0 || channels <= 0 || h <= 0 || w <= 0)
            throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} input {h}x{w}.");
        int per = OutputLength(channels, levels);
        if (inLength != (long)batch * channels * h * w)
            throw new ArgumentException($"{op}: {inName} has {inLength} elements but {batch}x{channels}x{h}x{w} = {(long)batch * channels * h * w} are needed.");
        if (outLength != (long)batch * per)
            throw new ArgumentException($"{op}: {outName} has {outLength} elements but {batch}x{per} = {(long)batch * per} are needed (C·Σn² for levels {string.Join(", ", levels.ToArray())}).");
        return per;
    }
}
