using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>Fused loss kernels: forward and gradient in one pass, as the CPU's <c>SoftmaxCrossEntropyOp</c> and <c>MseLossOp</c>.</summary>
public static class LossKernels
{
    /// <summary>
    /// One thread per row n: m = max z; d = e^{z − m} / Σ (sum in double, as the CPU) · scale, d[label] −= scale;
    /// losses[n] = ln Σ e^{z − m} − (z[label] − m). An out-of-range label gives a NaN loss and leaves d as scale·softmax.
    /// </summary>
    public static void SoftmaxCrossEntropy(Index1D index, int classes, float scale, ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> dlogits, ArrayView<float> losses)
    {
        int n = index;
        int row = n * classes;
        float max = float.NegativeInfinity;
        for (int j = 0; j < classes; j++)
        {
            float v = logits[row + j];
            if (v > max || ReLU.IsNaNBits(v)) max = v;
        }
        double sum = 0;
        for (int j = 0; j < classes; j++)
        {
            float e = XMath.Exp(logits[row + j] - max);
            dlogits[row + j] = e;
            sum += e;
        }
        float inv = (float)(scale / sum);
        for (int j = 0; j < classes; j++) dlogits[row + j] *= inv;
        int label = labels[n];
        if (label < 0 || label >= classes) { losses[n] = float.NaN; return; }
        dlogits[row + label] -= scale;
        losses[n] = (float)(XMath.Log(sum) - (logits[row + label] - max));
    }

    /// <summary>d = p − t; dpred[i] = 2·scale·d; squared[i] = d².</summary>
    public static void Mse(Index1D i, float twoScale, ArrayView<float> predictions, ArrayView<float> targets, ArrayView<float> dpredictions, ArrayView<float> squared)
    {
        float d = predictions[i] - targets[i];
        dpredictions[i] = twoScale * d;
        squared[i] = d * d;
    }
}
