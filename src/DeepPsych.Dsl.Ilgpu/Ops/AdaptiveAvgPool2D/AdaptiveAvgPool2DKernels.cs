using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Adaptive pooling of C × H × W into C × OH × OW bins (<see cref="AdaptiveBins"/>), written at
/// <c>n·SampleStride + Offset + (c·OH + oh)·OW + ow</c> of the output: for adaptive average pooling Offset = 0 and
/// SampleStride = C·OH·OW; for one level of a spatial pyramid Offset is the level's start within the sample's C·Σn² outputs.
/// </summary>
/// <remarks>Passed as a plain argument, NOT as <see cref="SpecializedValue{T}"/>: these layers exist so that the input size
/// may change from call to call, and a specialised kernel would be recompiled for every new size.</remarks>
public readonly record struct AdaptiveShape(int N, int C, int H, int W, int OH, int OW, int Offset, int SampleStride)
{
    /// <summary>Adaptive average pooling's shape (the output is just N × C × OH × OW).</summary>
    public static AdaptiveShape Plain(int n, int c, int h, int w, int oh, int ow) => new(n, c, h, w, oh, ow, 0, c * oh * ow);

    /// <summary>Outputs of this shape: N·C·OH·OW.</summary>
    public int Outputs => N * C * OH * OW;

    /// <summary>Inputs: N·C·H·W.</summary>
    public int Inputs => N * C * H * W;

    /// <summary>Host check: positive sizes, the input holds N·C·H·W and the output N·SampleStride values, the bins fit a sample.</summary>
    internal void Check(string op, long inLength, string inName, long outLength, string outName)
    {
        if (N < 0 || C <= 0 || H <= 0 || W <= 0 || OH <= 0 || OW <= 0 || Offset < 0 || Offset + C * OH * OW > SampleStride)
            throw new ArgumentException($"{op}: invalid shape {this}: sizes must be positive and the bins must fit the sample's outputs.");
        Shapes.Length(op, inName, inLength, Inputs, $"{N}x{C}x{H}x{W}");
        Shapes.Length(op, outName, outLength, (long)N * SampleStride, $"{N}x{SampleStride}");
    }

    /// <summary>Output index of thread <paramref name="i"/> of <see cref="Outputs"/>; also gives its (plane-local) bin and channel.</summary>
    public int OutputIndex(int i, out int n, out int c, out int oh, out int ow)
    {
        ow = i % OW; int t = i / OW;
        oh = t % OH; t /= OH;
        c = t % C; n = t / C;
        return n * SampleStride + Offset + (c * OH + oh) * OW + ow;
    }
}

/// <summary>
/// Adaptive average pooling, mirroring <c>AdaptiveAvgPool2DOp</c>: forward one thread per output; backward one thread per
/// input element, GATHERING dy/|bin| from the bins that hold it (<see cref="AdaptiveBins.Covering"/>), so overlapping bins
/// need no atomics.
/// </summary>
public static class AdaptiveAvgPool2DKernels
{
    /// <summary>y = mean of x over the bin.</summary>
    public static void Forward(Index1D index, AdaptiveShape s, ArrayView<float> x, ArrayView<float> y)
    {
        int o = s.OutputIndex(index, out int n, out int c, out int oh, out int ow);
        int h0 = AdaptiveBins.Start(oh, s.H, s.OH), h1 = AdaptiveBins.End(oh, s.H, s.OH);
        int w0 = AdaptiveBins.Start(ow, s.W, s.OW), w1 = AdaptiveBins.End(ow, s.W, s.OW);
        int plane = (n * s.C + c) * s.H;
        float sum = 0f;
        for (int ih = h0; ih < h1; ih++)
            for (int iw = w0; iw < w1; iw++) sum += x[(plane + ih) * s.W + iw];
        y[o] = sum / ((h1 - h0) * (w1 - w0));
    }

    /// <summary>dx[n, c, ih, iw] += Σ over the bins holding (ih, iw) of dy / |bin|.</summary>
    public static void Backward(Index1D index, AdaptiveShape s, ArrayView<float> dy, ArrayView<float> dx)
    {
        int i = index;
        int iw = i % s.W, t = i / s.W;
        int ih = t % s.H; t /= s.H;
        int c = t % s.C, n = t / s.C;
        AdaptiveBins.Covering(ih, s.H, s.OH, out int oh0, out int oh1);
        AdaptiveBins.Covering(iw, s.W, s.OW, out int ow0, out int ow1);
        float sum = 0f;
        for (int oh = oh0; oh <= oh1; oh++)
        {
            int rows = AdaptiveBins.End(oh, s.H, s.OH) - AdaptiveBins.Start(oh, s.H, s.OH);
            for (int ow = ow0; ow <= ow1; ow++)
            {
                int cols = AdaptiveBins.End(ow, s.W, s.OW) - AdaptiveBins.Start(ow, s.W, s.OW);
                sum += dy[n * s.SampleStride + s.Offset + (c * s.OH + oh) * s.OW + ow] / (rows * cols);
            }
        }
        dx[i] += sum;
    }

    /// <summary>Queues the Forward kernel.</summary>
    public static void Forward(Accelerator accelerator, AdaptiveShape shape, ArrayView<float> x, ArrayView<float> y)
    {
        shape.Check("AdaptiveAvgPool2DKernels.Forward", x.Length, "x", y.Length, "y");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, AdaptiveShape, ArrayView<float>, ArrayView<float>>(Forward))
            (shape.Outputs, shape, x, y);
    }

    /// <summary>Queues the Backward kernel (accumulates into dx).</summary>
    public static void Backward(Accelerator accelerator, AdaptiveShape shape, ArrayView<float> dy, ArrayView<float> dx)
    {
        shape.Check("AdaptiveAvgPool2DKernels.Backward", dx.Length, "dx", dy.Length, "dy");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, AdaptiveShape, ArrayView<float>, ArrayView<float>>(Backward))
            (shape.Inputs, shape, dy, dx);
    }
}
