namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Average pooling (PyTorch semantics, ceil_mode and per-side padding from the geometry). With <c>countIncludePad</c> the
/// divisor is the window's cells inside input + padding (KH·KW except a ceil-mode window that runs past the bottom/right
/// padding, as PyTorch's pool_size); without it, the number of real input elements under the window.
/// </summary>
public static class AvgPool2DOp
{
    /// <summary>y[n, c, oh, ow] = (Σ over the window's in-bounds x) / divisor.</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="y">Output, N × C × OH × OW (overwritten).</param>
    /// <param name="countIncludePad">Divide by KH·KW (true) or by the number of in-bounds elements (false).</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Forward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad)
    {
        g.CheckLengths("AvgPool2DOp.Forward", batch, x.Length, "x", y.Length, "y");
        int C = g.Channels, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth;
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < C; c++)
            {
                int plane = (n * C + c) * H * W, yo = (n * C + c) * OH * OW;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        Window(g, oh, ow, countIncludePad, out int h0, out int h1, out int w0, out int w1, out float inv);
                        float s = 0f;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) s += x[plane + ih * W + iw];
                        y[yo + oh * OW + ow] = s * inv;
                    }
            }
    }

    /// <summary>dx[window] += dy[n, c, oh, ow] / divisor for every output element (accumulates).</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="dy">Output gradient, N × C × OH × OW.</param>
    /// <param name="dx">Input gradient, N × C × H × W (accumulated).</param>
    /// <param name="countIncludePad">The same flag as the forward pass.</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Backward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> dy, Span<float> dx, bool countIncludePad)
    {
        g.CheckLengths("AvgPool2DOp.Backward", batch, dx.Length, "dx", dy.Length, "dy");
        int C = g.Channels, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth;
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < C; c++)
            {
                int plane = (n * C + c) * H * W, yo = (n * C + c) * OH * OW;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        Window(g, oh, ow, countIncludePad, out int h0, out int h1, out int w0, out int w1, out float inv);
                        float d = dy[yo + oh * OW + ow] * inv;
                        for (int ih = h0; ih < h1; ih++)
                            for (int iw = w0; iw < w1; iw++) dx[plane + ih * W + iw] += d;
                    }
            }
    }

    /// <summary>In-bounds window [h0, h1) × [w0, w1) of output (oh, ow) and 1 / divisor.</summary>
    private static void Window(in Pool2DGeometry g, int oh, int ow, bool countIncludePad, out int h0, out int h1, out int w0, out int w1, out float inv)
    {
        g.Window(oh, ow, out h0, out h1, out w0, out w1, out int paddedCount);
        inv = 1f / (countIncludePad ? paddedCount : (h1 - h0) * (w1 - w0));
    }
}
