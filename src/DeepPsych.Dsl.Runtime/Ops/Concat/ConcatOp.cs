namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Concatenation along channels (NCHW, PyTorch's <c>torch.cat(xs, dim=1)</c>), one input at a time so that no array of
/// spans is needed: input k (N × Cₖ × S) occupies channels [offsetₖ, offsetₖ + Cₖ) of the output (N × C × S,
/// C = Σ Cₖ). Forward copies each input into its slice; backward adds the slice of dy to that input's gradient.
/// </summary>
public static class ConcatOp
{
    /// <summary>y[n, offset + c, s] = x[n, c, s] for one input of <paramref name="inChannels"/> channels.</summary>
    /// <param name="batch">N.</param>
    /// <param name="inChannels">Cₖ: channels of this input.</param>
    /// <param name="outChannels">C: channels of the concatenated output.</param>
    /// <param name="channelOffset">offsetₖ: the first output channel this input fills.</param>
    /// <param name="spatial">S = H·W (shared by every input).</param>
    /// <param name="x">This input, N × Cₖ × S.</param>
    /// <param name="y">The output, N × C × S (only this input's channels are written).</param>
    /// <exception cref="ArgumentException">The slice does not fit or a span has the wrong length.</exception>
    public static void Forward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, ReadOnlySpan<float> x, Span<float> y)
    {
        Check("ConcatOp.Forward", batch, inChannels, outChannels, channelOffset, spatial, x.Length, "x", y.Length, "y");
        int block = inChannels * spatial;
        for (int n = 0; n < batch; n++)
            x.Slice(n * block, block).CopyTo(y.Slice((n * outChannels + channelOffset) * spatial, block));
    }

    /// <summary>dx[n, c, s] += dy[n, offset + c, s] for one input.</summary>
    /// <exception cref="ArgumentException">The slice does not fit or a span has the wrong length.</exception>
    public static void Backward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check("ConcatOp.Backward", batch, inChannels, outChannels, channelOffset, spatial, dx.Length, "dx", dy.Length, "dy");
        int block = inChannels * spatial;
        for (int n = 0; n < batch; n++)
            ElementwiseOp.Accumulate(dy.Slice((n * outChannels + channelOffset) * spatial, block), dx.Slice(n * block, block));
    }

    private static void Check(string op, int batch, int inChannels, int outChannels, int offset, int spatial, int inLength, string inName, int outLength, string outName)
    {
        if (batch < 0 || inChannels <= 0 || spatial <= 0 || offset < 0 || offset + inChannels > outChannels)
            throw new ArgumentException($"{op}: channels [{offset}, {offset + inChannels}) of an input with {inChannels} channels do not lie inside the {outChannels} output channels (batch={batch}, spatial={spatial}).");
        if (inLength != (long)batch * inChannels * spatial)
            throw new ArgumentException($"{op}: {inName} has {inLength} elements but {batch}x{inChannels}x{spatial} = {(long)batch * inChannels * spatial} are needed.");
        if (outLength != (long)batch * outChannels * spatial)
            throw new ArgumentException($"{op}: {outName} has {outLength} elements but {batch}x{outChannels}x{spatial} = {(long)batch * outChannels * spatial} are needed.");
    }
}
