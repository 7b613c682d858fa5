using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Geometry of a convolution on one sample, passed to the kernels as <see cref="SpecializedValue{T}"/>: on CUDA and OpenCL
/// each distinct geometry is compiled once with every field a constant (loop bounds, strides, divisions by constants).
/// Mirrors <see cref="Conv2DGeometry"/> (NCHW / OIHW), plus whether the layer has a bias.
/// </summary>
public readonly record struct ConvShape(int C, int H, int W, int O, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int Groups, int OH, int OW, int HasBias)
{
    /// <summary>From the CPU geometry.</summary>
    public static ConvShape From(in Conv2DGeometry g, bool hasBias) => new(g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.KernelH, g.KernelW,
        g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, g.Groups, g.OutHeight, g.OutWidth, hasBias ? 1 : 0);
}

/// <summary>
/// Direct 2-D convolution kernels, forward beside backward, one thread per output element (no atomics, deterministic):
/// <list type="bullet">
/// <item><see cref="Forward{TAct}"/>: one thread per y[n, o, oh, ow]; conv + bias + activation FUSED in one kernel.</item>
/// <item><see cref="BackwardData"/>: one thread per dx[n, c, ih, iw], gathering the taps that read it (the transposed conv).</item>
/// <item><see cref="BackwardWeights"/>: one thread per dw[o, c, kh, kw], summing over a slice of the batch and all output pixels;
/// the slices' partial sums are added by <c>MemoryKernels.AddRows</c> (so large batches still have enough threads).</item>
/// <item><c>MemoryKernels.BiasGradient</c> serves db (shared with dense).</item>
/// </list>
/// </summary>
public static class Conv2DKernels
{
    /// <summary>y[n, o, oh, ow] = act(b[o] + Σ_{c ∈ group(o), kh, kw} w[o, c, kh, kw] · x[n, c, oh·s − p + kh·d, ow·s − p + kw·d]).</summary>
    public static void Forward<TAct>(Index1D index, SpecializedValue<ConvShape> shape, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, float slope)
        where TAct : struct, IActivation
    {
        var s = shape.Value;
        int i = index;
        int ow = i % s.OW, t = i / s.OW;
        int oh = t % s.OH; t /= s.OH;
        int o = t % s.O, n = t / s.O;
        int cg = s.C / s.Groups, c0 = o / (s.O / s.Groups) * cg;
        int ih0 = oh * s.SH - s.PH, iw0 = ow * s.SW - s.PW;
        float sum = 0f;
        for (int c = 0; c < cg; c++)
        {
            int xPlane = (n * s.C + c0 + c) * s.H;
            int wBase = (o * cg + c) * s.KH;
            for (int kh = 0; kh < s.KH; kh++)
            {
                int ih = ih0 + kh * s.DH;
                if (ih < 0 || ih >= s.H) continue;
                int xRow = (xPlane + ih) * s.W, wRow = (wBase + kh) * s.KW;
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int iw = iw0 + kw * s.DW;
                    if (iw >= 0 && iw < s.W) sum += w[wRow + kw] * x[xRow + iw];
                }
            }
        }
        if (s.HasBias != 0) sum += b[o];
        y[i] = default(TAct).Apply(sum, slope);
    }

    /// <summary>dx[n, c, ih, iw] += Σ_{o ∈ group(c), kh, kw : ih = oh·s − p + kh·d, iw = ow·s − p + kw·d} w[o, c, kh, kw] · dz[n, o, oh, ow].</summary>
    public static void BackwardData(Index1D index, SpecializedValue<ConvShape> shape, ArrayView<float> w, ArrayView<float> dz, ArrayView<float> dx)
    {
        var s = shape.Value;
        int i = index;
        int iw = i % s.W, t = i / s.W;
        int ih = t % s.H; t /= s.H;
        int c = t % s.C, n = t / s.C;
        int cg = s.C / s.Groups, og = s.O / s.Groups;
        int grp = c / cg, cl = c - grp * cg;
        float sum = 0f;
        for (int ol = 0; ol < og; ol++)
        {
            int o = grp * og + ol;
            for (int kh = 0; kh < s.KH; kh++)
            {
                int th = ih + s.PH - kh * s.DH;           // = oh·SH when this tap reads (ih, ·)
                if (th < 0 || th % s.SH != 0) continue;
                int oh = th / s.SH;
                if (oh >= s.OH) continue;
                int dzRow = ((n * s.O + o) * s.OH + oh) * s.OW, wRow = ((o * cg + cl) * s.KH + kh) * s.KW;
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int tw = iw + s.PW - kw * s.DW;
                    if (tw < 0 || tw % s.SW != 0) continue;
                    int ow = tw / s.SW;
                    if (ow < s.OW) sum += w[wRow + kw] * dz[dzRow + ow];
                }
            }
        }
        dx[i] += sum;
    }

    /// <summary>
    /// partial[slice, o, c, kh, kw] = Σ_{n in slice, oh, ow} dz[n, o, oh, ow] · x[n, group(o)·C/G + c, oh·s − p + kh·d, ow·s − p + kw·d],
    /// for batch slices of <paramref name="samplesPerSlice"/> samples. Index = slice · weightLength + weight element.
    /// </summary>
    public static void BackwardWeights(Index1D index, SpecializedValue<ConvShape> shape, int batch, int samplesPerSlice, ArrayView<float> x, ArrayView<float> dz, ArrayView<float> partial)
    {
        var s = shape.Value;
        int cg = s.C / s.Groups, og = s.O / s.Groups;
        int weightLength = s.O * cg * s.KH * s.KW;
        int i = index;
        int slice = i / weightLength, j = i - slice * weightLength;
        int kw = j % s.KW, t = j / s.KW;
        int kh = t % s.KH; t /= s.KH;
        int cl = t % cg, o = t / cg;
        int c = o / og * cg + cl;
        int n0 = slice * samplesPerSlice, n1 = n0 + samplesPerSlice;
        if (n1 > batch) n1 = batch;
        float sum = 0f;
        for (int n = n0; n < n1; n++)
        {
            int xPlane = (n * s.C + c) * s.H, dzPlane = (n * s.O + o) * s.OH;
            for (int oh = 0; oh < s.OH; oh++)
            {
                int ih = oh * s.SH - s.PH + kh * s.DH;
                if (ih < 0 || ih >= s.H) continue;
                int xRow = (xPlane + ih) * s.W, dzRow = (dzPlane + oh) * s.OW;
                for (int ow = 0; ow < s.OW; ow++)
                {
                    int iw = ow * s.SW - s.PW + kw * s.DW;
                    if (iw >= 0 && iw < s.W) sum += dz[dzRow + ow] * x[xRow + iw];
                }
            }
        }
        partial[i] = sum;
    }
}
