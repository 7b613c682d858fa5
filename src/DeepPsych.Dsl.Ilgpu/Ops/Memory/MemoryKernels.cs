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
