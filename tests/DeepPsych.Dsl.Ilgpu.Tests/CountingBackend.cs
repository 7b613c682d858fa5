using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>A decorator that forwards every call to <paramref name="inner"/> and records each transfer between host and
/// device: uploads, downloads, and the reductions whose results come down (<see cref="Sum"/>, <see cref="Statistics"/>).
/// Buffers are the inner backend's, so the inner backend's own checks still apply.</summary>
public sealed class CountingBackend(IDeviceBackend inner) : IDeviceBackend
{
    /// <summary>One transfer: its direction and kind (<c>upload</c>, <c>download</c>, <c>sum</c>, <c>statistics</c>) and elements moved.</summary>
    public readonly record struct Transfer(string Kind, int Elements)
    {
        public override string ToString() => $"{Kind} {Elements}";
    }

    /// <summary>Every transfer since the last <see cref="Reset"/>, in order.</summary>
    public List<Transfer> Transfers { get; } = [];

    /// <summary>Forgets the recorded transfers.</summary>
    public void Reset() => Transfers.Clear();

    /// <summary>The transfers as text, e.g. <c>upload 2352, upload 3, sum 3</c>.</summary>
    public string Log() => string.Join(", ", Transfers);

    public Device Device => inner.Device;
    public string Description => "counting " + inner.Description;
    public void WarmUp() => inner.WarmUp();
    public void Synchronize() => inner.Synchronize();
    public void Dispose() => inner.Dispose();
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged => inner.Allocate<T>(length);

    public void Upload<T>(ReadOnlySpan<T> source, DeviceView<T> destination) where T : unmanaged
    {
        Transfers.Add(new("upload", source.Length));
        inner.Upload(source, destination);
    }

    public void Download<T>(DeviceView<T> source, Span<T> destination) where T : unmanaged
    {
        Transfers.Add(new("download", destination.Length));
        inner.Download(source, destination);
    }

    public double Sum(DeviceView<float> view)
    {
        Transfers.Add(new("sum", view.Length));
        return inner.Sum(view);
    }

    public BlockStatistics Statistics(DeviceView<float> view)
    {
        Transfers.Add(new("statistics", 2));
        return inner.Statistics(view);
    }

    public void Zero(DeviceView<float> view) => inner.Zero(view);
    public void Fill(DeviceView<float> view, float value) => inner.Fill(view, value);
    public void Copy(DeviceView<float> source, DeviceView<float> destination) => inner.Copy(source, destination);
    public void Add(DeviceView<float> x, DeviceView<float> y) => inner.Add(x, y);
    public void Scale(DeviceView<float> view, float factor) => inner.Scale(view, factor);
    public void Clamp(DeviceView<float> view, float limit) => inner.Clamp(view, limit);
    public void Conv2DForward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f) => inner.Conv2DForward(g, batch, x, w, b, y, act, leakySlope);
    public void Conv2DBackward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db) => inner.Conv2DBackward(g, batch, x, w, dz, dx, dw, db);
    public void DenseForward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f) => inner.DenseForward(batch, inFeatures, outFeatures, x, w, b, y, act, leakySlope);
    public void DenseBackward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db) => inner.DenseBackward(batch, inFeatures, outFeatures, x, w, dz, dx, dw, db);
    public void ConcatForward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> x, DeviceView<float> y) => inner.ConcatForward(batch, inChannels, outChannels, channelOffset, spatial, x, y);
    public void ConcatBackward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> dy, DeviceView<float> dx) => inner.ConcatBackward(batch, inChannels, outChannels, channelOffset, spatial, dy, dx);
    public void ActivationForward(Act act, float leakySlope, DeviceView<float> z, DeviceView<float> y) => inner.ActivationForward(act, leakySlope, z, y);
    public void ActivationBackward(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => inner.ActivationBackward(act, leakySlope, y, dy, dx);
    public void ActivationApplyDerivativeInPlace(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy) => inner.ActivationApplyDerivativeInPlace(act, leakySlope, y, dy);
    public void MaxPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax) => inner.MaxPool2DForward(g, batch, x, y, argmax);
    public void MaxPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx) => inner.MaxPool2DBackward(g, batch, dy, argmax, dx);
    public void AvgPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, bool countIncludePad) => inner.AvgPool2DForward(g, batch, x, y, countIncludePad);
    public void AvgPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<float> dx, bool countIncludePad) => inner.AvgPool2DBackward(g, batch, dy, dx, countIncludePad);
    public void GlobalAvgPoolForward(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> y) => inner.GlobalAvgPoolForward(batch, channels, spatial, x, y);
    public void GlobalAvgPoolBackward(int batch, int channels, int spatial, DeviceView<float> dy, DeviceView<float> dx) => inner.GlobalAvgPoolBackward(batch, channels, spatial, dy, dx);
    public void AdaptiveAvgPool2DForward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> x, DeviceView<float> y) => inner.AdaptiveAvgPool2DForward(batch, channels, inHeight, inWidth, outHeight, outWidth, x, y);
    public void AdaptiveAvgPool2DBackward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> dy, DeviceView<float> dx) => inner.AdaptiveAvgPool2DBackward(batch, channels, inHeight, inWidth, outHeight, outWidth, dy, dx);
    public void LocalResponseNormForward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale) => inner.LocalResponseNormForward(batch, channels, spatial, size, alpha, beta, k, x, y, scale);
    public void LocalResponseNormBackward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale, DeviceView<float> dy, DeviceView<float> dx) => inner.LocalResponseNormBackward(batch, channels, spatial, size, alpha, beta, k, x, y, scale, dy, dx);
    public void BatchNormForwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta, float epsilon, float momentum, DeviceView<float> runningMean, DeviceView<float> runningVar, DeviceView<float> y, DeviceView<float> saveMean, DeviceView<float> saveInvStd) => inner.BatchNormForwardTraining(batch, channels, spatial, x, gamma, beta, epsilon, momentum, runningMean, runningVar, y, saveMean, saveInvStd);
    public void BatchNormForwardInference(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta, DeviceView<float> runningMean, DeviceView<float> runningVar, float epsilon, DeviceView<float> y) => inner.BatchNormForwardInference(batch, channels, spatial, x, gamma, beta, runningMean, runningVar, epsilon, y);
    public void BatchNormBackwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> saveMean, DeviceView<float> saveInvStd, DeviceView<float> dy, DeviceView<float> dx, DeviceView<float> dgamma, DeviceView<float> dbeta) => inner.BatchNormBackwardTraining(batch, channels, spatial, x, gamma, saveMean, saveInvStd, dy, dx, dgamma, dbeta);

    public void SpatialPyramidPoolForward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax) => inner.SpatialPyramidPoolForward(batch, channels, inHeight, inWidth, levels, x, y, argmax);
    public void SpatialPyramidPoolBackward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx) => inner.SpatialPyramidPoolBackward(batch, channels, inHeight, inWidth, levels, dy, argmax, dx);
    public void SoftmaxForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => inner.SoftmaxForward(batch, classes, z, y);
    public void SoftmaxBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => inner.SoftmaxBackward(batch, classes, y, dy, dx);
    public void SoftmaxLogForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => inner.SoftmaxLogForward(batch, classes, z, y);
    public void SoftmaxLogBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => inner.SoftmaxLogBackward(batch, classes, y, dy, dx);
    public void DropoutForward(float rate, int seed, long step, long firstElement, DeviceView<float> x, DeviceView<float> y, DeviceView<float> mask) => inner.DropoutForward(rate, seed, step, firstElement, x, y, mask);
    public void DropoutBackward(DeviceView<float> dy, DeviceView<float> mask, DeviceView<float> dx) => inner.DropoutBackward(dy, mask, dx);
    public void WeightedSoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, ReadOnlySpan<float> weights, int ignoreIndex, DeviceView<float> dlogits, float scale, DeviceView<float> losses) => inner.WeightedSoftmaxCrossEntropy(batch, classes, logits, labels, weights, ignoreIndex, dlogits, scale, losses);
    public void SoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, DeviceView<float> dlogits, float scale, DeviceView<float> losses) => inner.SoftmaxCrossEntropy(batch, classes, logits, labels, dlogits, scale, losses);
    public void MseLoss(DeviceView<float> predictions, DeviceView<float> targets, DeviceView<float> dpredictions, float scale, DeviceView<float> squaredErrors) => inner.MseLoss(predictions, targets, dpredictions, scale, squaredErrors);
    public void SgdUpdate(in SgdStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> momentumBuffer, DeviceView<float> decayMask) => inner.SgdUpdate(step, parameters, gradients, momentumBuffer, decayMask);
    public void AdamUpdate(in AdamStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> m, DeviceView<float> v, DeviceView<float> decayMask) => inner.AdamUpdate(step, parameters, gradients, m, v, decayMask);
}
