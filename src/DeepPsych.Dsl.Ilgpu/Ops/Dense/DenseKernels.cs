using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Fully connected kernels (weights [out, in] as nn.Linear), forward beside backward, one thread per output element:
/// forward fuses bias and activation; dx and dw are separate gathers; db is <c>MemoryKernels.BiasGradient</c>.
/// </summary>
public static class DenseKernels
{
    /// <summary>y[n, o] = act(b[o] + Σ_i x[n, i] · w[o, i]). <paramref name="hasBias"/> 0 = no bias.</summary>
    public static void Forward<TAct>(Index1D index, int inFeatures, int outFeatures, int hasBias, ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y, float slope)
        where TAct : struct, IActivation
    {
        int i = index;
        int n = i / outFeatures, o = i - n * outFeatures;
        int xRow = n * inFeatures, wRow = o * inFeatures;
        float sum = 0f;
        for (int k = 0; k < inFeatures; k++) sum += x[xRow + k] * w[wRow + k];
        if (hasBias != 0) sum += b[o];
        y[i] = default(TAct).Apply(sum, slope);
    }

    /// <summary>dx[n, i] += Σ_o dz[n, o] · w[o, i].</summary>
    public static void BackwardData(Index1D index, int inFeatures, int outFeatures, ArrayView<float> w, ArrayView<float> dz, ArrayView<float> dx)
    {
        int i = index;
        int n = i / inFeatures, k = i - n * inFeatures;
        float sum = 0f;
        for (int o = 0; o < outFeatures; o++) sum += dz[n * outFeatures + o] * w[o * inFeatures + k];
        dx[i] += sum;
    }

    /// <summary>dw[o, i] += Σ_n dz[n, o] · x[n, i].</summary>
    public static void BackwardWeights(Index1D index, int batch, int inFeatures, int outFeatures, ArrayView<float> x, ArrayView<float> dz, ArrayView<float> dw)
    {
        int i = index;
        int o = i / inFeatures, k = i - o * inFeatures;
        float sum = 0f;
        for (int n = 0; n < batch; n++) sum += dz[n * outFeatures + o] * x[n * inFeatures + k];
        dw[i] += sum;
    }
}
