using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Devices;

/// <summary>
/// <see cref="IDeviceBackend"/> on host memory: every method calls the CPU op of the same name on spans of managed arrays.
/// It is the reference the ILGPU backend is compared with, and lets code written against <see cref="IDeviceBackend"/>
/// run on <see cref="Device.Cpu"/> without ILGPU. Synchronous; NativeAOT-safe.
/// </summary>
public sealed class CpuBackend : IDeviceBackend
{
    /// <inheritdoc/>
    public Device Device => Device.Cpu;

    /// <inheritdoc/>
    public string Description => $"cpu — vectorised CPU ops ({Environment.ProcessorCount} logical cores)";

    /// <inheritdoc/>
    public void WarmUp() { }

    /// <inheritdoc/>
    public void Synchronize() { }

    /// <inheritdoc/>
    public void Dispose() { }

    /// <inheritdoc/>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(int))
            throw new NotSupportedException($"Device buffers hold float or int, not {typeof(T).Name}.");
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new CpuBuffer<T>(this, length);
    }

    /// <inheritdoc/>
    public void Upload<T>(ReadOnlySpan<T> source, DeviceView<T> destination) where T : unmanaged
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Upload: {source.Length} host elements into a device view of {destination.Length}.");
        source.CopyTo(Span(destination));
    }

    /// <inheritdoc/>
    public void Download<T>(DeviceView<T> source, Span<T> destination) where T : unmanaged
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Download: a device view of {source.Length} into {destination.Length} host elements.");
        Span(source).CopyTo(destination);
    }

    /// <inheritdoc/>
    public void Zero(DeviceView<float> view) => Span(view).Clear();

    /// <inheritdoc/>
    public void Fill(DeviceView<float> view, float value) => Span(view).Fill(value);

    /// <inheritdoc/>
    public void Copy(DeviceView<float> source, DeviceView<float> destination)
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Copy: source has {source.Length} elements, destination {destination.Length}.");
        Span(source).CopyTo(Span(destination));
    }

    /// <inheritdoc/>
    public void Add(DeviceView<float> x, DeviceView<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Add: x has {x.Length} elements, y {y.Length}.");
        var xs = Span(x); var ys = Span(y);
        for (int i = 0; i < xs.Length; i++) ys[i] += xs[i];
    }

    /// <inheritdoc/>
    public double Sum(DeviceView<float> view)
    {
        double s = 0;
        foreach (float v in Span(view)) s += v;
        return s;
    }

    /// <inheritdoc/>
    public BlockStatistics Statistics(DeviceView<float> view)
    {
        double squares = 0;
        bool finite = true;
        foreach (float v in Span(view)) { squares += (double)v * v; finite &= float.IsFinite(v); }
        return new BlockStatistics(squares, finite);
    }

    /// <inheritdoc/>
    public void Scale(DeviceView<float> view, float factor)
    {
        var s = Span(view);
        for (int i = 0; i < s.Length; i++) s[i] *= factor;
    }

    /// <inheritdoc/>
    public void Clamp(DeviceView<float> view, float limit) => Optimizers.GradientClipping.ClipByValue(Span(view), limit);

    /// <inheritdoc/>
    public void Conv2DForward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f)
        => Conv2DOp.Forward(g, batch, Span(x), Span(w), Span(b), Span(y), act, leakySlope);

    /// <inheritdoc/>
    public void Conv2DBackward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db)
        => Conv2DOp.Backward(g, batch, Span(x), Span(w), Span(dz), Span(dx), Span(dw), Span(db));

    /// <inheritdoc/>
    public void DenseForward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f)
        => DenseOp.Forward(batch, inFeatures, outFeatures, Span(x), Span(w), Span(b), Span(y), act, leakySlope);

    /// <inheritdoc/>
    public void DenseBackward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db)
        => DenseOp.Backward(batch, inFeatures, outFeatures, Span(x), Span(w), Span(dz), Span(dx), Span(dw), Span(db));

    /// <inheritdoc/>
    public void ConcatForward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> x, DeviceView<float> y)
        => ConcatOp.Forward(batch, inChannels, outChannels, channelOffset, spatial, Span(x), Span(y));

    /// <inheritdoc/>
    public void ConcatBackward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> dy, DeviceView<float> dx)
        => ConcatOp.Backward(batch, inChannels, outChannels, channelOffset, spatial, Span(dy), Span(dx));

    /// <inheritdoc/>
    public void ActivationForward(Act act, float leakySlope, DeviceView<float> z, DeviceView<float> y) => ActivationOp.Forward(act, leakySlope, Span(z), Span(y));

    /// <inheritdoc/>
    public void ActivationBackward(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => ActivationOp.Backward(act, leakySlope, Span(y), Span(dy), Span(dx));

    /// <inheritdoc/>
    public void ActivationApplyDerivativeInPlace(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy) => ActivationOp.ApplyDerivativeInPlace(act, leakySlope, Span(y), Span(dy));

    /// <inheritdoc/>
    public void MaxPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax) => MaxPool2DOp.Forward(g, batch, Span(x), Span(y), Span(argmax));

    /// <inheritdoc/>
    public void MaxPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx) => MaxPool2DOp.Backward(g, batch, Span(dy), Span(argmax), Span(dx));

    /// <inheritdoc/>
    public void AvgPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, bool countIncludePad) => AvgPool2DOp.Forward(g, batch, Span(x), Span(y), countIncludePad);

    /// <inheritdoc/>
    public void AvgPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<float> dx, bool countIncludePad) => AvgPool2DOp.Backward(g, batch, Span(dy), Span(dx), countIncludePad);

    /// <inheritdoc/>
    public void GlobalAvgPoolForward(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> y) => GlobalAvgPoolOp.Forward(batch, channels, spatial, Span(x), Span(y));

    /// <inheritdoc/>
    public void GlobalAvgPoolBackward(int batch, int channels, int spatial, DeviceView<float> dy, DeviceView<float> dx) => GlobalAvgPoolOp.Backward(batch, channels, spatial, Span(dy), Span(dx));

    /// <inheritdoc/>
    public void AdaptiveAvgPool2DForward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> x, DeviceView<float> y)
        => AdaptiveAvgPool2DOp.Forward(batch, channels, inHeight, inWidth, outHeight, outWidth, Span(x), Span(y));

    /// <inheritdoc/>
    public void AdaptiveAvgPool2DBackward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> dy, DeviceView<float> dx)
        => AdaptiveAvgPool2DOp.Backward(batch, channels, inHeight, inWidth, outHeight, outWidth, Span(dy), Span(dx));

    /// <inheritdoc/>
    public void LocalResponseNormForward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale)
        => LocalResponseNormOp.Forward(batch, channels, spatial, size, alpha, beta, k, Span(x), Span(y), Span(scale));

    /// <inheritdoc/>
    public void LocalResponseNormBackward(int batch, int channels, int spatial, int size, float alpha, float beta, float k,
        DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale, DeviceView<float> dy, DeviceView<float> dx)
        => LocalResponseNormOp.Backward(batch, channels, spatial, size, alpha, beta, k, Span(x), Span(y), Span(scale), Span(dy), Span(dx));

    /// <inheritdoc/>
    public void BatchNormForwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta, float epsilon, float momentum,
        DeviceView<float> runningMean, DeviceView<float> runningVar, DeviceView<float> y, DeviceView<float> saveMean, DeviceView<float> saveInvStd)
        => BatchNormOp.ForwardTraining(batch, channels, spatial, Span(x), Span(gamma), Span(beta), epsilon, momentum, Span(runningMean), Span(runningVar), Span(y), Span(saveMean), Span(saveInvStd));

    /// <inheritdoc/>
    public void BatchNormForwardInference(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta,
        DeviceView<float> runningMean, DeviceView<float> runningVar, float epsilon, DeviceView<float> y)
        => BatchNormOp.ForwardInference(batch, channels, spatial, Span(x), Span(gamma), Span(beta), Span(runningMean), Span(runningVar), epsilon, Span(y));

    /// <inheritdoc/>
    public void BatchNormBackwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> saveMean, DeviceView<float> saveInvStd,
        DeviceView<float> dy, DeviceView<float> dx, DeviceView<float> dgamma, DeviceView<float> dbeta)
        => BatchNormOp.BackwardTraining(batch, channels, spatial, Span(x), Span(gamma), Span(saveMean), Span(saveInvStd), Span(dy), Span(dx), Span(dgamma), Span(dbeta));

    /// <inheritdoc/>
    public void SpatialPyramidPoolForward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax)
        => SpatialPyramidPoolOp.Forward(batch, channels, inHeight, inWidth, levels, Span(x), Span(y), Span(argmax));

    /// <inheritdoc/>
    public void SpatialPyramidPoolBackward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx)
        => SpatialPyramidPoolOp.Backward(batch, channels, inHeight, inWidth, levels, Span(dy), Span(argmax), Span(dx));

    /// <inheritdoc/>
    public void SoftmaxForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => SoftmaxOp.Forward(batch, classes, Span(z), Span(y));

    /// <inheritdoc/>
    public void SoftmaxBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => SoftmaxOp.Backward(batch, classes, Span(y), Span(dy), Span(dx));

    /// <inheritdoc/>
    public void SoftmaxLogForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => SoftmaxOp.LogForward(batch, classes, Span(z), Span(y));

    /// <inheritdoc/>
    public void SoftmaxLogBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => SoftmaxOp.LogBackward(batch, classes, Span(y), Span(dy), Span(dx));

    /// <inheritdoc/>
    public void DropoutForward(float rate, int seed, long step, long firstElement, DeviceView<float> x, DeviceView<float> y, DeviceView<float> mask)
        => DropoutOp.Forward(rate, seed, step, firstElement, Span(x), Span(y), Span(mask));

    /// <inheritdoc/>
    public void DropoutBackward(DeviceView<float> dy, DeviceView<float> mask, DeviceView<float> dx) => DropoutOp.Backward(Span(dy), Span(mask), Span(dx));

    /// <inheritdoc/>
    public void SoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, DeviceView<float> dlogits, float scale, DeviceView<float> losses)
    {
        if (losses.Length != batch) throw new ArgumentException($"SoftmaxCrossEntropy: losses has {losses.Length} elements but batch is {batch}.");
        var z = Span(logits); var l = Span(labels); var d = Span(dlogits); var loss = Span(losses);
        // Row by row, so each row's loss is recorded as the device backend records it.
        for (int n = 0; n < batch; n++)
            loss[n] = (float)SoftmaxCrossEntropyOp.ForwardBackward(1, classes, z.Slice(n * classes, classes), l.Slice(n, 1), d.Slice(n * classes, classes), scale);
    }

    /// <inheritdoc/>
    public void WeightedSoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, ReadOnlySpan<float> weights, int ignoreIndex,
        DeviceView<float> dlogits, float scale, DeviceView<float> losses)
    {
        if (losses.Length != batch) throw new ArgumentException($"WeightedSoftmaxCrossEntropy: losses has {losses.Length} elements but batch is {batch}.");
        var z = Span(logits); var l = Span(labels); var d = Span(dlogits); var loss = Span(losses);
        // Row by row, so each row's loss is recorded as the device backend records it.
        for (int n = 0; n < batch; n++)
            loss[n] = (float)WeightedSoftmaxCrossEntropyOp.ForwardBackward(1, classes, z.Slice(n * classes, classes), l.Slice(n, 1), weights, ignoreIndex, d.Slice(n * classes, classes), scale);
    }

    /// <inheritdoc/>
    public void MseLoss(DeviceView<float> predictions, DeviceView<float> targets, DeviceView<float> dpredictions, float scale, DeviceView<float> squaredErrors)
    {
        MseLossOp.ForwardBackward(Span(predictions), Span(targets), Span(dpredictions), scale);
        if (squaredErrors.Length != predictions.Length) throw new ArgumentException($"MseLoss: squaredErrors has {squaredErrors.Length} elements but predictions {predictions.Length}.");
        var p = Span(predictions); var t = Span(targets); var s = Span(squaredErrors);
        for (int i = 0; i < p.Length; i++) { float d = p[i] - t[i]; s[i] = d * d; }
    }

    /// <inheritdoc/>
    public void SgdUpdate(in SgdStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> momentumBuffer, DeviceView<float> decayMask)
    {
        var p = Span(parameters); var grad = Span(gradients); var buf = Span(momentumBuffer); var mask = Span(decayMask);
        CheckUpdate("SgdUpdate", p.Length, grad.Length, mask.Length);
        if (step.Momentum != 0 && buf.Length != p.Length) throw new ArgumentException($"SgdUpdate: the momentum buffer has {buf.Length} elements for {p.Length} parameters.");
        float lr = step.LearningRate, wd = step.WeightDecay, mu = step.Momentum, keep = 1f - step.Dampening;
        // The same statements as Sgd.Update, element by element.
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i];
            float lambda = mask.IsEmpty ? wd : wd * mask[i];
            if (lambda != 0) g += lambda * p[i];
            if (mu != 0)
            {
                float b = step.FirstStep ? g : mu * buf[i] + keep * g;
                buf[i] = b;
                g = step.Nesterov ? g + mu * b : b;
            }
            p[i] -= lr * g;
        }
    }

    /// <inheritdoc/>
    public void AdamUpdate(in AdamStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> m, DeviceView<float> v, DeviceView<float> decayMask)
    {
        var p = Span(parameters); var grad = Span(gradients); var ms = Span(m); var vs = Span(v); var mask = Span(decayMask);
        CheckUpdate("AdamUpdate", p.Length, grad.Length, mask.Length);
        if (ms.Length != p.Length || vs.Length != p.Length) throw new ArgumentException($"AdamUpdate: moments have {ms.Length} and {vs.Length} elements for {p.Length} parameters.");
        // The same statements as Adam.Update, element by element.
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i];
            float lambda = mask.IsEmpty ? step.WeightDecay : step.WeightDecay * mask[i];
            if (lambda != 0)
            {
                if (step.Decoupled) p[i] *= 1f - step.LearningRate * lambda;
                else g += lambda * p[i];
            }
            float mi = ms[i] = step.Beta1 * ms[i] + (1f - step.Beta1) * g;
            float vi = vs[i] = step.Beta2 * vs[i] + (1f - step.Beta2) * (g * g);
            float denom = MathF.Sqrt(vi) / step.Correction2Sqrt + step.Epsilon;
            p[i] -= step.StepSize * (mi / denom);
        }
    }

    private static void CheckUpdate(string op, int parameters, int gradients, int mask)
    {
        if (parameters != gradients) throw new ArgumentException($"{op}: {parameters} parameters but {gradients} gradients.");
        if (mask != 0 && mask != parameters) throw new ArgumentException($"{op}: the decay mask has {mask} entries for {parameters} parameters.");
    }

    private Span<T> Span<T>(DeviceView<T> view) where T : unmanaged
    {
        if (view.Buffer is null) return default;
        if (view.Buffer is not CpuBuffer<T> cpu || !ReferenceEquals(cpu.Backend, this))
            throw new ArgumentException($"A view {view} belongs to another backend ({view.Buffer.Backend.Device}), not {Device}.");
        return cpu.Array.AsSpan(view.Offset, view.Length);
    }

    private sealed class CpuBuffer<T>(CpuBackend backend, int length) : DeviceBuffer<T>(backend, length) where T : unmanaged
    {
        public T[] Array { get; } = new T[length];
        protected override void Dispose(bool disposing) { }
    }
}
