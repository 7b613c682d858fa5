namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Max pooling (PyTorch semantics: padded positions are −∞, NaN propagates). Forward records, per output element, the
/// flat index of the winning input element within its sample (c·H·W + ih·W + iw) — like convnet.js's switchx/switchy —
/// which is all backward needs.
/// </summary>
public static class MaxPool2DOp
{
    /// <summary>y[n, c, oh, ow] = max over the window of x[n, c, oh·s − p + i, ow·s − p + j]; argmax = where it was (first on ties).</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="y">Output, N × C × OH × OW (overwritten).</param>
    /// <param name="argmax">Per output element, the winner's index within its sample's input (overwritten; kept for backward).</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Forward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        const string op = "MaxPool2DOp.Forward";
        g.CheckLengths(op, batch, x.Length, "x", y.Length, "y");
        if (argmax.Length != y.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but y has {y.Length}.");
        int C = g.Channels, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth;
        for (int n = 0; n < batch; n++)
        {
            var xs = x.Slice(n * g.InputLength, g.InputLength);
            int yo = n * g.OutputLength;
            for (int c = 0; c < C; c++)
            {
                int plane = c * H * W;
                for (int oh = 0; oh < OH; oh++)
                {
                    int h0 = oh * g.StrideH - g.PadH, h1 = Math.Min(h0 + g.KernelH, H);
                    h0 = Math.Max(h0, 0);
                    for (int ow = 0; ow < OW; ow++)
                    {
                        int w0 = ow * g.StrideW - g.PadW, w1 = Math.Min(w0 + g.KernelW, W);
                        w0 = Math.Max(w0, 0);
                        float best = float.NegativeInfinity;
                        int at = plane + h0 * W + w0;   // padding ≤ k/2 guarantees a non-empty window
                        for (int ih = h0; ih < h1; ih++)
                        {
                            int row = plane + ih * W;
                            for (int iw = w0; iw < w1; iw++)
                            {
                                float v = xs[row + iw];
                                if (v > best || float.IsNaN(v)) { best = v; at = row + iw; if (float.IsNaN(v)) goto done; }
                            }
                        }
                    done:
                        int o = yo + (c * OH + oh) * OW + ow;
                        y[o] = best;
                        argmax[o] = at;
                    }
                }
            }
        }
    }

    /// <summary>dx[n, argmax[n, c, oh, ow]] += dy[n, c, oh, ow] (accumulates).</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="dy">Output gradient, N × C × OH × OW.</param>
    /// <param name="argmax">What <see cref="Forward"/> recorded.</param>
    /// <param name="dx">Input gradient, N × C × H × W (accumulated).</param>
    /// <exception cref="ArgumentException">Invalid geometry, a span of the wrong length, or an argmax outside its sample.</exception>
    public static void Backward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        const string op = "MaxPool2DOp.Backward";
        g.CheckLengths(op, batch, dx.Length, "dx", dy.Length, "dy");
        if (argmax.Length != dy.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but dy has {dy.Length}.");
        int inLen = g.InputLength, outLen = g.OutputLength;
        for (int n = 0; n < batch; n++)
        {
            var dxs = dx.Slice(n * inLen, inLen);   // the slice bounds-checks every argmax against its own sample
            for (int i = n * outLen, end = i + outLen; i < end; i++)
                dxs[argmax[i]] += dy[i];
        }
    }
}
