using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Spatial pyramid pooling, mirroring <c>SpatialPyramidPoolOp</c> (same output layout, argmax and NaN rule), one launch
/// per level with that level's <see cref="AdaptiveShape"/> (OH = OW = n, Offset = C·Σ of the earlier levels' n²,
/// SampleStride = C·Σn²). Forward: one thread per bin, max and argmax. Backward: one thread per input element, gathering
/// the dy of the level's bins that hold it and chose it — the launches of the levels add up in order, no atomics.
/// </summary>
public static class SpatialPyramidPoolKernels
{
    /// <summary>y = max of the bin (NaN wins, first maximum row-major); argmax = the winner's flat index c·H·W + ih·W + iw in its sample.</summary>
    public static void LevelForward(Index1D index, AdaptiveShape s, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax)
    {
        int o = s.OutputIndex(index, out int n, out int c, out int oh, out int ow);
        int h0 = AdaptiveBins.Start(oh, s.H, s.OH), h1 = AdaptiveBins.End(oh, s.H, s.OH);
        int w0 = AdaptiveBins.Start(ow, s.W, s.OW), w1 = AdaptiveBins.End(ow, s.W, s.OW);
        int plane = c * s.H * s.W, sample = n * s.C * s.H * s.W;
        float best = float.NegativeInfinity;
        int at = plane + h0 * s.W + w0;
        bool bestNaN = false;
        for (int ih = h0; ih < h1; ih++)
            for (int iw = w0; iw < w1; iw++)
            {
                int local = plane + ih * s.W + iw;
                float v = x[sample + local];
                bool nan = ReLU.IsNaNBits(v);   // not v != v: PoCL folds it (finite-math)
                if (!bestNaN && (v > best || nan)) { best = v; at = local; bestNaN = nan; }
            }
        y[o] = best;
        argmax[o] = at;
    }

    /// <summary>dx[n, c, ih, iw] += Σ over the level's bins holding (ih, iw) whose argmax is this element of their dy.</summary>
    public static void LevelBackward(Index1D index, AdaptiveShape s, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx)
    {
        int i = index;
        int inLen = s.C * s.H * s.W;
        int n = i / inLen, local = i - n * inLen;
        int iw = local % s.W, t = local / s.W;
        int ih = t % s.H, c = t / s.H;
        AdaptiveBins.Covering(ih, s.H, s.OH, out int oh0, out int oh1);
        AdaptiveBins.Covering(iw, s.W, s.OW, out int ow0, out int ow1);
        float sum = 0f;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                int o = n * s.SampleStride + s.Offset + (c * s.OH + oh) * s.OW + ow;
                if (argmax[o] == local) sum += dy[o];
            }
        dx[i] += sum;
    }

    /// <summary>Queues the LevelForward kernel for every level.</summary>
    public static void Forward(Accelerator accelerator, int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, ArrayView<float> x, ArrayView<float> y, ArrayView<int> argmax)
    {
        var kernel = LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, AdaptiveShape, ArrayView<float>, ArrayView<float>, ArrayView<int>>(LevelForward));
        Shapes.Length("SpatialPyramidPoolKernels.Forward", "argmax", argmax.Length, y.Length, "y's length");
        for (int k = 0; k < levels.Length; k++)
        {
            var shape = Level(batch, channels, inHeight, inWidth, levels, k);
            shape.Check("SpatialPyramidPoolKernels.Forward", x.Length, "x", y.Length, "y");
            if (shape.Outputs > 0) kernel(shape.Outputs, shape, x, y, argmax);
        }
    }

    /// <summary>Queues the LevelBackward kernel for every level (accumulates into dx).</summary>
    public static void Backward(Accelerator accelerator, int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, ArrayView<float> dy, ArrayView<int> argmax, ArrayView<float> dx)
    {
        var kernel = LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, AdaptiveShape, ArrayView<float>, ArrayView<int>, ArrayView<float>>(LevelBackward));
        Shapes.Length("SpatialPyramidPoolKernels.Backward", "argmax", argmax.Length, dy.Length, "dy's length");
        for (int k = 0; k < levels.Length; k++)
        {
            var shape = Level(batch, channels, inHeight, inWidth, levels, k);
            shape.Check("SpatialPyramidPoolKernels.Backward", dx.Length, "dx", dy.Length, "dy");
            if (shape.Inputs > 0) kernel(shape.Inputs, shape, dy, argmax, dx);
        }
    }

    /// <summary>Level k's shape: n × n bins, starting after the C·n² outputs of each earlier level, C·Σn² outputs per sample.</summary>
    private static AdaptiveShape Level(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, int k)
    {
        int offset = 0;
        for (int j = 0; j < k; j++) offset += channels * levels[j] * levels[j];
        return new AdaptiveShape(batch, channels, inHeight, inWidth, levels[k], levels[k], offset, SpatialPyramidPoolOp.OutputLength(channels, levels));
    }
}
