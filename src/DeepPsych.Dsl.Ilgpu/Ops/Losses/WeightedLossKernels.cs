using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// Softmax cross-entropy with class weights and an ignore index, mirroring <c>WeightedSoftmaxCrossEntropyOp</c>: one thread
/// per row writes losses[n] = w_y·(−log softmax(z)[y]) and dlogits = scale·w_y·(softmax − onehot); an ignored row gets 0
/// for both. The host sums the losses and divides by Σ w_y (the caller passes scale = 1/Σ w_y for PyTorch's weighted mean).
/// A label outside [0, K) that is not the ignore index gives a NaN loss (the CPU op throws; a kernel cannot).
/// </summary>
public static class WeightedLossKernels
{
    /// <summary>Row n of the weighted, ignore-aware softmax cross-entropy (see the class summary).</summary>
    public static void SoftmaxCrossEntropy(Index1D index, int classes, int ignoreIndex, int weighted, float scale,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> weights, ArrayView<float> dlogits, ArrayView<float> losses)
    {
        int n = index, row = n * classes, label = labels[n];
        if (label == ignoreIndex)
        {
            for (int j = 0; j < classes; j++) dlogits[row + j] = 0f;
            losses[n] = 0f;
            return;
        }
        if (label < 0 || label >= classes)
        {
            for (int j = 0; j < classes; j++) dlogits[row + j] = 0f;
            losses[n] = float.NaN;
            return;
        }
        float w = weighted != 0 ? weights[label] : 1f;
        float max = SoftmaxKernels.RowMax(logits, row, classes);
        double sum = 0;
        for (int j = 0; j < classes; j++) { float e = XMath.Exp(logits[row + j] - max); dlogits[row + j] = e; sum += e; }
        float sw = scale * w, inv = (float)(1.0 / sum) * sw;
        for (int j = 0; j < classes; j++) dlogits[row + j] *= inv;
        dlogits[row + label] -= sw;
        losses[n] = (float)(w * (XMath.Log(sum) - (logits[row + label] - max)));
    }

    /// <summary>Queues the SoftmaxCrossEntropy kernel for <paramref name="batch"/> rows; empty <paramref name="weights"/> = all 1.</summary>
    public static void SoftmaxCrossEntropy(Accelerator accelerator, int batch, int classes, int ignoreIndex, float scale,
        ArrayView<float> logits, ArrayView<int> labels, ArrayView<float> weights, ArrayView<float> dlogits, ArrayView<float> losses)
    {
        const string op = "WeightedLossKernels.SoftmaxCrossEntropy";
        SoftmaxKernels.Rows(op, batch, classes, logits.Length, "logits", dlogits.Length, "dlogits");
        Shapes.Length(op, "labels", labels.Length, batch, $"{batch} rows");
        Shapes.Length(op, "losses", losses.Length, batch, $"{batch} rows");
        if (weights.Length != 0) Shapes.Length(op, "weights", weights.Length, classes, $"{classes} classes");
        bool weighted = weights.Length > 0;
        if (batch > 0)
            LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, int, int, int, float, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SoftmaxCrossEntropy))
                (batch, classes, ignoreIndex, weighted ? 1 : 0, scale, logits, labels, weighted ? weights : losses, dlogits, losses);
    }
}
