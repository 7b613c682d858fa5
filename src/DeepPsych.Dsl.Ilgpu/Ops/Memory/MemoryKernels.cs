using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>Small element-wise and reduction kernels shared by the op families.</summary>
public static class MemoryKernels
{
    /// <summary>y[i] = value.</summary>
    public static void Fill(Index1D i, ArrayView<float> y, float value) => y[i] = value;

    /// <summary>y[i] += x[i].</summary>
    public static void Add(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] += x[i];

    /// <summary>y[i] ·= factor.</summary>
    public static void Scale(Index1D i, ArrayView<float> y, float factor) => y[i] *= factor;

    /// <summary>y[i] = clamp(y[i], −limit, limit); NaN stays NaN (as <c>GradientClipping.ClipByValue</c>), so a later
    /// finite check still sees it. NaN is recognised from its bits: PoCL's OpenCL compiler clamped NaN through the comparisons.</summary>
    public static void Clamp(Index1D i, ArrayView<float> y, float limit)
    {
        float v = y[i];
        if (IsNaN(v)) return;
        if (v > limit) y[i] = limit;
        else if (v < -limit) y[i] = -limit;
    }

    /// <summary>First stage of <c>Statistics</c>: thread k sums x² over elements k, k + parts, k + 2·parts, … into
    /// partial[k], and counts the non-finite ones (NaN, ±∞, recognised from their bits, so no compiler's float
    /// assumptions can hide them) into partial[parts + k].</summary>
    public static void StatisticsPartial(Index1D index, int length, int parts, ArrayView<float> x, ArrayView<float> partial)
    {
        int k = index;
        float squares = 0f, nonFinite = 0f;
        for (int i = k; i < length; i += parts)
        {
            float v = x[i];
            squares += v * v;
            if (!IsFinite(v)) nonFinite += 1f;
        }
        partial[k] = squares;
        partial[parts + k] = nonFinite;
    }

    /// <summary>Second stage of <c>Statistics</c>, one thread: partial[2·parts] = Σ squares, partial[2·parts + 1] = non-finite count,
    /// each in order, in double.</summary>
    public static void StatisticsFinish(Index1D index, int parts, ArrayView<float> partial)
    {
        double squares = 0, nonFinite = 0;
        for (int k = 0; k < parts; k++)
        {
            squares += partial[k];
            nonFinite += partial[parts + k];
        }
        partial[2 * parts] = (float)squares;
        partial[2 * parts + 1] = (float)nonFinite;
    }

    /// <summary>Exponent all ones: NaN or ±∞.</summary>
    private static bool IsFinite(float v) => (Interop.FloatAsInt(v) & 0x7f800000u) != 0x7f800000u;

    /// <summary>Exponent all ones and a non-zero mantissa.</summary>
    private static bool IsNaN(float v) => (Interop.FloatAsInt(v) & 0x7fffffffu) > 0x7f800000u;

    /// <summary>dst[j] += Σ_{r &lt; rows} partial[r · length + j] (adds per-slice partial sums, in slice order).</summary>
    public static void AddRows(Index1D index, int rows, int length, ArrayView<float> partial, ArrayView<float> dst)
    {
        int j = index;
        float sum = 0f;
        for (int r = 0; r < rows; r++) sum += partial[r * length + j];
        dst[j] += sum;
    }

    /// <summary>db[c] += Σ_{n, p} dz[(n · channels + c) · spatial + p] (conv: spatial = OH·OW; dense: spatial = 1).</summary>
    public static void BiasGradient(Index1D index, int batch, int channels, int spatial, ArrayView<float> dz, ArrayView<float> db)
    {
        int c = index;
        float sum = 0f;
        for (int n = 0; n < batch; n++)
        {
            int row = (n * channels + c) * spatial;
            for (int p = 0; p < spatial; p++) sum += dz[row + p];
        }
        db[c] += sum;
    }
}
