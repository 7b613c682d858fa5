namespace DeepPsych.Dsl.Ops;

/// <summary>Global average pooling: each channel's spatial plane is averaged to one value (N × C × S → N × C).</summary>
public static unsafe class GlobalAvgPoolOp
{
    /// <summary>y[n, c] = (1/S) Σ_s x[n, c, s].</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S = H·W.</param>
    /// <param name="x">Input, N × C × S.</param>
    /// <param name="y">Output, N × C (overwritten).</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Forward(int batch, int channels, int spatial, ReadOnlySpan<float> x, Span<float> y)
    {
        Check("GlobalAvgPoolOp.Forward", batch, channels, spatial, x.Length, "x", y.Length, "y");
        float inv = 1f / spatial;
        fixed (float* px = x)
            for (int i = 0; i < batch * channels; i++) y[i] = Conv2DOp.Sum(px + (nint)i * spatial, spatial) * inv;
    }

    /// <summary>dx[n, c, s] += dy[n, c] / S.</summary>
    /// <param name="batch">N.</param>
    /// <param name="channels">C.</param>
    /// <param name="spatial">S = H·W.</param>
    /// <param name="dy">Output gradient, N × C.</param>
    /// <param name="dx">Input gradient, N × C × S (accumulated).</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Backward(int batch, int channels, int spatial, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check("GlobalAvgPoolOp.Backward", batch, channels, spatial, dx.Length, "dx", dy.Length, "dy");
        float inv = 1f / spatial;
        for (int i = 0; i < batch * channels; i++)
        {
            float d = dy[i] * inv;
            foreach (ref float v in dx.Slice(i * spatial, spatial)) v += d;
        }
    }

    private static void Check(string op, int batch, int channels, int spatial, int inLength, string inName, int outLength, string outName)
    {
        if (batch < 0 || channels <= 0 || spatial <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} spatial={spatial}.");
        if (inLength != (long)batch * channels * spatial) throw new ArgumentException($"{op}: {inName} has {inLength} elements but {batch}x{channels}x{spatial} = {(long)batch * channels * spatial} are needed.");
        if (outLength != (long)batch * channels) throw new ArgumentException($"{op}: {outName} has {outLength} elements but {batch}x{channels} = {(long)batch * channels} are needed.");
    }
}
