using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Softmax and log-softmax over the class axis of N × K rows, mirroring <c>SoftmaxOp</c> (max-shifted; Σ in double), one
/// thread per row, forward beside backward: softmax dx += y ⊙ (dy − Σ dy·y); log-softmax dx += dy − e^y·Σ dy.
/// </summary>
public static class SoftmaxKernels
{
    /// <summary>y = softmax(z) of row n.</summary>
    public static void Forward(Index1D index, int classes, ArrayView<float> z, ArrayView<float> y)
    {
        int row = index * classes;
        float max = RowMax(z, row, classes);
        double sum = 0;
        for (int j = 0; j < classes; j++) { float e = XMath.Exp(z[row + j] - max); y[row + j] = e; sum += e; }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < classes; j++) y[row + j] *= inv;
    }

    /// <summary>dx += y ⊙ (dy − Σ_j dy_j y_j) on row n.</summary>
    public static void Backward(Index1D index, int classes, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        int row = index * classes;
        float dot = 0f;
        for (int j = 0; j < classes; j++) dot += dy[row + j] * y[row + j];
        for (int j = 0; j < classes; j++) dx[row + j] += y[row + j] * (dy[row + j] - dot);
    }

    /// <summary>y = z − m − ln Σ e^{z − m} on row n.</summary>
    public static void LogForward(Index1D index, int classes, ArrayView<float> z, ArrayView<float> y)
    {
        int row = index * classes;
        float max = RowMax(z, row, classes);
        double sum = 0;
        for (int j = 0; j < classes; j++) sum += XMath.Exp(z[row + j] - max);
        float shift = max + (float)XMath.Log(sum);
        for (int j = 0; j < classes; j++) y[row + j] = z[row + j] - shift;
    }

    /// <summary>dx += dy − e^y·Σ_j dy_j on row n.</summary>
    public static void LogBackward(Index1D index, int classes, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        int row = index * classes;
        float sum = 0f;
        for (int j = 0; j < classes; j++) sum += dy[row + j];
        for (int j = 0; j < classes; j++) dx[row + j] += dy[row + j] - XMath.Exp(y[row + j]) * sum;
    }

    /// <summary>Row max; NaN wins (as the CPU).</summary>
    internal static float RowMax(ArrayView<float> z, int row, int classes)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < classes; j++)
        {
            float v = z[row + j];
            if (v > max || ReLU.IsNaNBits(v)) max = v;
        }
        return max;
    }

    /// <summary>Queues softmax (or log-softmax when <paramref name="log"/>) of <paramref name="batch"/> rows.</summary>
    public static void Forward(Accelerator accelerator, int batch, int classes, bool log, ArrayView<float> z, ArrayView<float> y)
    {
        Rows("SoftmaxKernels.Forward", batch, classes, z.Length, "z", y.Length, "y");
        var kernel = log
            ? LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(LogForward))
            : LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(Forward));
        if (batch > 0) kernel(batch, classes, z, y);
    }

    /// <summary>Queues the matching backward (accumulates into dx).</summary>
    public static void Backward(Accelerator accelerator, int batch, int classes, bool log, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx)
    {
        Rows("SoftmaxKernels.Backward", batch, classes, y.Length, "y", dy.Length, "dy");
        Rows("SoftmaxKernels.Backward", batch, classes, dx.Length, "dx", dx.Length, "dx");
        var kernel = log
            ? LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LogBackward))
            : LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Backward));
        if (batch > 0) kernel(batch, classes, y, dy, dx);
    }

    /// <summary>Host check of N × K views (the weighted loss uses it too).</summary>
    internal static void Rows(string op, int batch, int classes, long aLength, string aName, long bLength, string bName)
    {
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        Shapes.Length(op, aName, aLength, (long)batch * classes, $"{batch}x{classes}");
        Shapes.Length(op, bName, bLength, (long)batch * classes, $"{batch}x{classes}");
    }
}
