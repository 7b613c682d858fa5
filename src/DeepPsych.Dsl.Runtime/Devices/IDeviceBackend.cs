using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Devices;

/// <summary>
/// The op API of <c>DeepPsych.Dsl.Ops</c>, on device memory. Every method mirrors the CPU op of the same name, with
/// <see cref="DeviceView{T}"/> in place of spans and the same layouts (NCHW, OIHW, dense [out, in]), the same conventions
/// (backward ACCUMULATES into dx, dw, db; an empty dx/db view means skip; activation derivatives from the output y) and the
/// same argument order. Ops are queued asynchronously; only <see cref="Download{T}"/>, <see cref="Sum"/> and
/// <see cref="Synchronize"/> wait for the device. So a whole training step runs without a host round trip per layer.
/// </summary>
/// <remarks>
/// Differences from the CPU API, all forced by asynchronous execution:
/// <list type="bullet">
/// <item>Losses do not return a double: they write per-sample (softmax CE) or per-element (MSE) values into a device view;
/// <see cref="Sum"/> reduces it once per step on the host, in double.</item>
/// <item>Labels are not range-checked on the device: an out-of-range label yields a NaN loss for its row (check on upload).</item>
/// <item>The optimizer updates (<see cref="SgdUpdate"/>, <see cref="AdamUpdate"/>) take their hyper-parameters as a value
/// (<see cref="SgdStep"/>, <see cref="AdamStep"/>) and their state as device views.</item>
/// </list>
/// Shapes are validated on the host with the same messages as the CPU ops.
/// </remarks>
public interface IDeviceBackend : IDisposable
{
    /// <summary>The device this backend runs on.</summary>
    Device Device { get; }

    /// <summary>A human-readable description (device name, driver, memory).</summary>
    string Description { get; }

    /// <summary>Compiles and loads every kernel now, so the first training step measures work, not JIT.</summary>
    void WarmUp();

    /// <summary>Waits until every queued op has finished.</summary>
    void Synchronize();

    // ---- memory ----

    /// <summary>Allocates <paramref name="length"/> elements of float or int, zeroed.</summary>
    DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged;

    /// <summary>Copies host data into a device view of the same length.</summary>
    void Upload<T>(ReadOnlySpan<T> source, DeviceView<T> destination) where T : unmanaged;

    /// <summary>Copies a device view to the host (waits for queued ops).</summary>
    void Download<T>(DeviceView<T> source, Span<T> destination) where T : unmanaged;

    /// <summary>view = 0.</summary>
    void Zero(DeviceView<float> view);

    /// <summary>view = value.</summary>
    void Fill(DeviceView<float> view, float value);

    /// <summary>destination = source (same length; views must not overlap).</summary>
    void Copy(DeviceView<float> source, DeviceView<float> destination);

    /// <summary>y += x (same length).</summary>
    void Add(DeviceView<float> x, DeviceView<float> y);

    /// <summary><see cref="ConcatOp.Forward"/>: input x (N × inChannels × S) into channels [offset, offset + inChannels) of y (N × outChannels × S).</summary>
    void ConcatForward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> x, DeviceView<float> y);

    /// <summary><see cref="ConcatOp.Backward"/>: dx += that channel slice of dy.</summary>
    void ConcatBackward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary>Σ view, computed on the host in double after one download (waits for queued ops).</summary>
    double Sum(DeviceView<float> view);

    /// <summary>Σ x² over <paramref name="view"/> and whether every element is finite, reduced on the device; only the two
    /// results come down (waits for queued ops). Gradient clipping and the trainer's NaN/∞ checks use it.</summary>
    BlockStatistics Statistics(DeviceView<float> view);

    /// <summary>view ·= factor.</summary>
    void Scale(DeviceView<float> view, float factor);

    /// <summary>view = clamp(view, −limit, limit); NaN stays NaN (<see cref="Optimizers.GradientClipping.ClipByValue(System.Span{float}, float)"/>).</summary>
    void Clamp(DeviceView<float> view, float limit);

    // ---- ops: each mirrors DeepPsych.Dsl.Ops.<Family>Op ----

    /// <summary><see cref="Conv2DOp.Forward"/>: y = act(conv(x, w) + b), bias and activation fused.</summary>
    void Conv2DForward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f);

    /// <summary><see cref="Conv2DOp.Backward"/>: dx += convᵀ(w, dz), dw += x ⋆ dz, db += Σ dz (dz = dL/d pre-activation).</summary>
    void Conv2DBackward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db);

    /// <summary><see cref="DenseOp.Forward"/>: y = act(x·Wᵀ + b), fused.</summary>
    void DenseForward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f);

    /// <summary><see cref="DenseOp.Backward"/>: dx += dz·W, dW += dzᵀ·x, db += Σ_n dz.</summary>
    void DenseBackward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db);

    /// <summary><see cref="ActivationOp.Forward"/>: y = f(z).</summary>
    void ActivationForward(Act act, float leakySlope, DeviceView<float> z, DeviceView<float> y);

    /// <summary><see cref="ActivationOp.Backward"/>: dx += dy ⊙ f'(from y).</summary>
    void ActivationBackward(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="ActivationOp.ApplyDerivativeInPlace"/>: dy ⊙= f'(from y) (turns dL/dy into dL/dz for fused layers).</summary>
    void ActivationApplyDerivativeInPlace(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy);

    /// <summary><see cref="MaxPool2DOp.Forward"/>: y = window max; argmax = the winner's flat index within its sample's input.</summary>
    void MaxPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax);

    /// <summary><see cref="MaxPool2DOp.Backward"/>: dx[argmax] += dy.</summary>
    void MaxPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx);

    /// <summary><see cref="AvgPool2DOp.Forward"/>.</summary>
    void AvgPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, bool countIncludePad);

    /// <summary><see cref="AvgPool2DOp.Backward"/> (accumulates).</summary>
    void AvgPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<float> dx, bool countIncludePad);

    /// <summary><see cref="GlobalAvgPoolOp.Forward"/>: y[n, c] = mean over the spatial positions.</summary>
    void GlobalAvgPoolForward(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> y);

    /// <summary><see cref="GlobalAvgPoolOp.Backward"/> (accumulates).</summary>
    void GlobalAvgPoolBackward(int batch, int channels, int spatial, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="AdaptiveAvgPool2DOp.Forward"/>: y[n, c, i, j] = mean of the adaptive bin (i, j).</summary>
    void AdaptiveAvgPool2DForward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> x, DeviceView<float> y);

    /// <summary><see cref="AdaptiveAvgPool2DOp.Backward"/> (accumulates).</summary>
    void AdaptiveAvgPool2DBackward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="LocalResponseNormOp.Forward"/>: y = x·s^−β, s = k + α/size·Σ_window x² (s kept in <paramref name="scale"/>).</summary>
    void LocalResponseNormForward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale);

    /// <summary><see cref="LocalResponseNormOp.Backward"/> (accumulates).</summary>
    void LocalResponseNormBackward(int batch, int channels, int spatial, int size, float alpha, float beta, float k,
        DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="BatchNormOp.ForwardTraining"/>: statistics of the whole batch on the device (biased variance),
    /// y = γ(x − μ)·invStd + β; μ and invStd kept for backward; the running statistics moved (empty views skip them).
    /// Empty γ/β = affine false.</summary>
    void BatchNormForwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta, float epsilon, float momentum,
        DeviceView<float> runningMean, DeviceView<float> runningVar, DeviceView<float> y, DeviceView<float> saveMean, DeviceView<float> saveInvStd);

    /// <summary><see cref="BatchNormOp.ForwardInference"/>: y = γ (x − running μ)/√(running σ² + ε) + β.</summary>
    void BatchNormForwardInference(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta,
        DeviceView<float> runningMean, DeviceView<float> runningVar, float epsilon, DeviceView<float> y);

    /// <summary><see cref="BatchNormOp.BackwardTraining"/>: dβ += Σ dy, dγ += Σ dy·x̂, dx += γ·invStd/M·(M·dy − Σdy − x̂·Σdy·x̂)
    /// (accumulates; empty dx, dγ/dβ skip them).</summary>
    void BatchNormBackwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> saveMean, DeviceView<float> saveInvStd,
        DeviceView<float> dy, DeviceView<float> dx, DeviceView<float> dgamma, DeviceView<float> dbeta);

    /// <summary><see cref="SpatialPyramidPoolOp.Forward"/>: per level n, the max of each of the n×n adaptive bins, levels
    /// concatenated (C·Σn² per sample); argmax = each winner's flat index within its sample's input.</summary>
    void SpatialPyramidPoolForward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax);

    /// <summary><see cref="SpatialPyramidPoolOp.Backward"/>: dx[argmax] += dy (accumulates).</summary>
    void SpatialPyramidPoolBackward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx);

    /// <summary><see cref="SoftmaxOp.Forward"/>: y = softmax(z) per row of N × K.</summary>
    void SoftmaxForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y);

    /// <summary><see cref="SoftmaxOp.Backward"/>: dx += y ⊙ (dy − Σ dy·y) (accumulates).</summary>
    void SoftmaxBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="SoftmaxOp.LogForward"/>: y = log softmax(z) per row of N × K.</summary>
    void SoftmaxLogForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y);

    /// <summary><see cref="SoftmaxOp.LogBackward"/>: dx += dy − e^y · Σ dy (accumulates).</summary>
    void SoftmaxLogBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx);

    /// <summary><see cref="DropoutOp.Forward"/>: the same counter-based mask as the CPU, bit for bit.</summary>
    void DropoutForward(float rate, int seed, long step, long firstElement, DeviceView<float> x, DeviceView<float> y, DeviceView<float> mask);

    /// <summary><see cref="DropoutOp.Backward"/>: dx += dy ⊙ mask.</summary>
    void DropoutBackward(DeviceView<float> dy, DeviceView<float> mask, DeviceView<float> dx);

    /// <summary><see cref="SoftmaxCrossEntropyOp.ForwardBackward"/>: dlogits = scale·(softmax − onehot) (overwritten);
    /// <paramref name="losses"/>[n] = −log softmax(logits[n])[label[n]] (batch floats; sum them with <see cref="Sum"/>).</summary>
    void SoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, DeviceView<float> dlogits, float scale, DeviceView<float> losses);

    /// <summary><see cref="WeightedSoftmaxCrossEntropyOp.ForwardBackward"/> per row (PyTorch's CrossEntropyLoss with weight and
    /// ignore_index): losses[n] = w_yₙ·(−log softmax(zₙ)[yₙ]), dlogits = scale·w_yₙ·(softmax − onehot) (overwritten); both 0 on a
    /// row whose label is <paramref name="ignoreIndex"/>. <paramref name="weights"/>: the K class weights in host memory (the
    /// backend keeps its own device copy), or empty for all 1. The caller passes scale = 1/Σ w_y (<see cref="WeightedSoftmaxCrossEntropyOp.WeightSum"/>).</summary>
    void WeightedSoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, ReadOnlySpan<float> weights, int ignoreIndex,
        DeviceView<float> dlogits, float scale, DeviceView<float> losses);

    /// <summary><see cref="MseLossOp.ForwardBackward"/>: dpred = scale·2(p − t) (overwritten); squaredErrors[i] = (p − t)².</summary>
    void MseLoss(DeviceView<float> predictions, DeviceView<float> targets, DeviceView<float> dpredictions, float scale, DeviceView<float> squaredErrors);

    /// <summary>One <see cref="Optimizers.Sgd"/> step over a parameter block. <paramref name="momentumBuffer"/> may be empty when μ = 0;
    /// <paramref name="decayMask"/> (1 = decay, 0 = not) may be empty to decay everything.</summary>
    void SgdUpdate(in SgdStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> momentumBuffer, DeviceView<float> decayMask);

    /// <summary>One <see cref="Optimizers.Adam"/>/<see cref="Optimizers.AdamW"/> step: <paramref name="m"/> and <paramref name="v"/> are
    /// the moment blocks (PyTorch's exp_avg, exp_avg_sq); <paramref name="decayMask"/> may be empty.</summary>
    void AdamUpdate(in AdamStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> m, DeviceView<float> v, DeviceView<float> decayMask);
}
