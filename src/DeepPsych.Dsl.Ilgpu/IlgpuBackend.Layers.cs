using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu.Ops;
using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu;

// The layers' forward and backward launchers: host-side shape checks, then one or two kernels queued per call.
public sealed partial class IlgpuBackend
{
    // ---- conv ----

    /// <inheritdoc/>
    public void Conv2DForward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f)
    {
        const string op = "Conv2DForward";
        Shapes.Conv(op, g, batch, x.Length, w.Length);
        if (!b.IsEmpty && b.Length != g.OutChannels) throw new ArgumentException($"{op}: bias has {b.Length} elements but there are {g.OutChannels} output channels (pass an empty view for no bias).");
        Shapes.Length(op, "y", y.Length, (long)batch * g.OutputLength, $"{batch}x{g.OutChannels}x{g.OutHeight}x{g.OutWidth}");
        if (batch == 0) return;
        _kernels.ConvForward(act)(y.Length, SpecializedValue.New(ConvShape.From(g, !b.IsEmpty)), View(x), View(w), ViewOrDummy(b), View(y), leakySlope);
    }

    /// <inheritdoc/>
    public void Conv2DBackward(in Conv2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db)
    {
        const string op = "Conv2DBackward";
        Shapes.Conv(op, g, batch, x.Length, w.Length);
        Shapes.Length(op, "dz", dz.Length, (long)batch * g.OutputLength, $"{batch}x{g.OutChannels}x{g.OutHeight}x{g.OutWidth}");
        if (!dx.IsEmpty) Shapes.Length(op, "dx", dx.Length, x.Length, "x (pass an empty view to skip the input gradient)");
        Shapes.Length(op, "dw", dw.Length, w.Length, "w");
        if (!db.IsEmpty) Shapes.Length(op, "db", db.Length, g.OutChannels, "the output channels");
        if (batch == 0) return;
        var shape = SpecializedValue.New(ConvShape.From(g, !db.IsEmpty));
        if (!db.IsEmpty) _kernels.BiasGradient(g.OutChannels, batch, g.OutChannels, g.OutHeight * g.OutWidth, View(dz), View(db));
        if (!dx.IsEmpty) _kernels.ConvBackwardData(dx.Length, shape, View(w), View(dz), View(dx));
        // dw: split the batch into slices so there are enough threads, then add the slices' partial sums.
        int slices = Math.Clamp(WeightGradientTargetThreads / Math.Max(1, dw.Length), 1, batch);
        int perSlice = (batch + slices - 1) / slices;
        slices = (batch + perSlice - 1) / perSlice;
        var partial = Scratch((long)slices * dw.Length);
        _kernels.ConvBackwardWeights(slices * dw.Length, shape, batch, perSlice, View(x), View(dz), partial);
        _kernels.AddRows(dw.Length, slices, dw.Length, partial, View(dw));
    }

    // ---- dense ----

    /// <inheritdoc/>
    public void DenseForward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> b, DeviceView<float> y, Act act = Act.None, float leakySlope = 0.01f)
    {
        const string op = "DenseForward";
        Shapes.Dense(op, batch, inFeatures, outFeatures, x.Length, w.Length);
        if (!b.IsEmpty && b.Length != outFeatures) throw new ArgumentException($"{op}: bias has {b.Length} elements but outFeatures is {outFeatures} (pass an empty view for no bias).");
        Shapes.Length(op, "y", y.Length, (long)batch * outFeatures, $"{batch}x{outFeatures}");
        if (batch == 0) return;
        _kernels.DenseForward(act)(y.Length, inFeatures, outFeatures, b.IsEmpty ? 0 : 1, View(x), View(w), ViewOrDummy(b), View(y), leakySlope);
    }

    /// <inheritdoc/>
    public void DenseBackward(int batch, int inFeatures, int outFeatures, DeviceView<float> x, DeviceView<float> w, DeviceView<float> dz, DeviceView<float> dx, DeviceView<float> dw, DeviceView<float> db)
    {
        const string op = "DenseBackward";
        Shapes.Dense(op, batch, inFeatures, outFeatures, x.Length, w.Length);
        Shapes.Length(op, "dz", dz.Length, (long)batch * outFeatures, $"{batch}x{outFeatures}");
        if (!dx.IsEmpty) Shapes.Length(op, "dx", dx.Length, x.Length, "x (pass an empty view to skip the input gradient)");
        Shapes.Length(op, "dw", dw.Length, w.Length, "w");
        if (!db.IsEmpty) Shapes.Length(op, "db", db.Length, outFeatures, "outFeatures");
        if (batch == 0) return;
        if (!dx.IsEmpty) _kernels.DenseBackwardData(dx.Length, inFeatures, outFeatures, View(w), View(dz), View(dx));
        _kernels.DenseBackwardWeights(dw.Length, batch, inFeatures, outFeatures, View(x), View(dz), View(dw));
        if (!db.IsEmpty) _kernels.BiasGradient(outFeatures, batch, outFeatures, 1, View(dz), View(db));
    }

    // ---- activations ----

    /// <inheritdoc/>
    public void ConcatForward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> x, DeviceView<float> y)
        => ConcatKernels.Forward(Accelerator, new ConcatShape(batch, inChannels, outChannels, channelOffset, spatial), View(x), View(y));

    /// <inheritdoc/>
    public void ConcatBackward(int batch, int inChannels, int outChannels, int channelOffset, int spatial, DeviceView<float> dy, DeviceView<float> dx)
        => ConcatKernels.Backward(Accelerator, new ConcatShape(batch, inChannels, outChannels, channelOffset, spatial), View(dy), View(dx));

    /// <inheritdoc/>
    public void ActivationForward(Act act, float leakySlope, DeviceView<float> z, DeviceView<float> y)
    {
        if (z.Length != y.Length) throw new ArgumentException($"ActivationForward({act}): z has {z.Length} elements but y has {y.Length}.");
        if (!z.IsEmpty) _kernels.ActivationForward(act)(z.Length, View(z), View(y), leakySlope);
    }

    /// <inheritdoc/>
    public void ActivationBackward(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx)
    {
        if (y.Length != dy.Length || y.Length != dx.Length)
            throw new ArgumentException($"ActivationBackward({act}): y has {y.Length}, dy {dy.Length} and dx {dx.Length} elements; they must match.");
        if (!y.IsEmpty) _kernels.ActivationBackward(act)(y.Length, View(y), View(dy), View(dx), leakySlope);
    }

    /// <inheritdoc/>
    public void ActivationApplyDerivativeInPlace(Act act, float leakySlope, DeviceView<float> y, DeviceView<float> dy)
    {
        if (y.Length != dy.Length) throw new ArgumentException($"ActivationApplyDerivativeInPlace({act}): y has {y.Length} elements but dy has {dy.Length}.");
        if (act != Act.None && !y.IsEmpty) _kernels.ActivationDerivative(act)(y.Length, View(y), View(dy), leakySlope);
    }

    // ---- pooling ----

    /// <inheritdoc/>
    public void MaxPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax)
    {
        const string op = "MaxPool2DForward";
        Shapes.Pool(op, g, batch, x.Length, "x", y.Length, "y");
        if (argmax.Length != y.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but y has {y.Length}.");
        if (batch > 0) _kernels.MaxPoolForward(y.Length, PoolShape.From(g), View(x), View(y), View(argmax));
    }

    /// <inheritdoc/>
    public void MaxPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx)
    {
        const string op = "MaxPool2DBackward";
        Shapes.Pool(op, g, batch, dx.Length, "dx", dy.Length, "dy");
        if (argmax.Length != dy.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but dy has {dy.Length}.");
        if (batch > 0) _kernels.MaxPoolBackward(dx.Length, PoolShape.From(g), View(dy), View(argmax), View(dx));
    }

    /// <inheritdoc/>
    public void AvgPool2DForward(in Pool2DGeometry g, int batch, DeviceView<float> x, DeviceView<float> y, bool countIncludePad)
    {
        Shapes.Pool("AvgPool2DForward", g, batch, x.Length, "x", y.Length, "y");
        if (batch > 0) _kernels.AvgPoolForward(y.Length, PoolShape.From(g), countIncludePad ? 1 : 0, View(x), View(y));
    }

    /// <inheritdoc/>
    public void AvgPool2DBackward(in Pool2DGeometry g, int batch, DeviceView<float> dy, DeviceView<float> dx, bool countIncludePad)
    {
        Shapes.Pool("AvgPool2DBackward", g, batch, dx.Length, "dx", dy.Length, "dy");
        if (batch > 0) _kernels.AvgPoolBackward(dx.Length, PoolShape.From(g), countIncludePad ? 1 : 0, View(dy), View(dx));
    }

    /// <inheritdoc/>
    public void GlobalAvgPoolForward(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> y)
    {
        Shapes.Global("GlobalAvgPoolForward", batch, channels, spatial, x.Length, "x", y.Length, "y");
        if (batch > 0) _kernels.GlobalAvgPoolForward(y.Length, spatial, View(x), View(y));
    }

    /// <inheritdoc/>
    public void GlobalAvgPoolBackward(int batch, int channels, int spatial, DeviceView<float> dy, DeviceView<float> dx)
    {
        Shapes.Global("GlobalAvgPoolBackward", batch, channels, spatial, dx.Length, "dx", dy.Length, "dy");
        if (batch > 0) _kernels.GlobalAvgPoolBackward(dx.Length, spatial, View(dy), View(dx));
    }

    /// <inheritdoc/>
    public void AdaptiveAvgPool2DForward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> x, DeviceView<float> y)
    {
        var s = AdaptiveShape.Plain(batch, channels, inHeight, inWidth, outHeight, outWidth);
        if (batch > 0) AdaptiveAvgPool2DKernels.Forward(Accelerator, s, View(x), View(y));
        else s.Check("AdaptiveAvgPool2DForward", x.Length, "x", y.Length, "y");
    }

    /// <inheritdoc/>
    public void AdaptiveAvgPool2DBackward(int batch, int channels, int inHeight, int inWidth, int outHeight, int outWidth, DeviceView<float> dy, DeviceView<float> dx)
    {
        var s = AdaptiveShape.Plain(batch, channels, inHeight, inWidth, outHeight, outWidth);
        if (batch > 0) AdaptiveAvgPool2DKernels.Backward(Accelerator, s, View(dy), View(dx));
        else s.Check("AdaptiveAvgPool2DBackward", dx.Length, "dx", dy.Length, "dy");
    }

    /// <inheritdoc/>
    public void LocalResponseNormForward(int batch, int channels, int spatial, int size, float alpha, float beta, float k, DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale)
    {
        if (batch > 0) LocalResponseNormKernels.Forward(Accelerator, new LrnShape(batch, channels, spatial, size, alpha, beta, k), View(x), View(y), View(scale));
    }

    /// <inheritdoc/>
    public void LocalResponseNormBackward(int batch, int channels, int spatial, int size, float alpha, float beta, float k,
        DeviceView<float> x, DeviceView<float> y, DeviceView<float> scale, DeviceView<float> dy, DeviceView<float> dx)
    {
        if (batch > 0) LocalResponseNormKernels.Backward(Accelerator, new LrnShape(batch, channels, spatial, size, alpha, beta, k), View(x), View(y), View(scale), View(dy), View(dx));
    }

    // ---- batch norm (the kernels' reduction workspace is the shared scratch) ----

    /// <inheritdoc/>
    public void BatchNormForwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta, float epsilon, float momentum,
        DeviceView<float> runningMean, DeviceView<float> runningVar, DeviceView<float> y, DeviceView<float> saveMean, DeviceView<float> saveInvStd)
    {
        var shape = new NormShape(batch, channels, spatial);
        BatchNormKernels.ForwardTraining(Accelerator, shape, epsilon, momentum, View(x), Optional(gamma), Optional(beta), Optional(runningMean), Optional(runningVar),
            View(y), View(saveMean), View(saveInvStd), Scratch(BatchNormKernels.WorkspaceLength(shape)));
    }

    /// <inheritdoc/>
    public void BatchNormForwardInference(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> beta,
        DeviceView<float> runningMean, DeviceView<float> runningVar, float epsilon, DeviceView<float> y)
    {
        if (batch > 0) BatchNormKernels.ForwardInference(Accelerator, new NormShape(batch, channels, spatial), epsilon, View(x), Optional(gamma), Optional(beta), View(runningMean), View(runningVar), View(y));
    }

    /// <inheritdoc/>
    public void BatchNormBackwardTraining(int batch, int channels, int spatial, DeviceView<float> x, DeviceView<float> gamma, DeviceView<float> saveMean, DeviceView<float> saveInvStd,
        DeviceView<float> dy, DeviceView<float> dx, DeviceView<float> dgamma, DeviceView<float> dbeta)
    {
        if (batch == 0) return;
        var shape = new NormShape(batch, channels, spatial);
        BatchNormKernels.BackwardTraining(Accelerator, shape, View(x), Optional(gamma), View(saveMean), View(saveInvStd), View(dy), Optional(dx), Optional(dgamma), Optional(dbeta),
            Scratch(BatchNormKernels.WorkspaceLength(shape)));
    }

    /// <summary>An optional view: empty stays empty (the kernels' launchers read that as "absent").</summary>
    private ArrayView<float> Optional(DeviceView<float> view) => view.IsEmpty ? default : View(view);

    /// <inheritdoc/>
    public void SpatialPyramidPoolForward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> x, DeviceView<float> y, DeviceView<int> argmax)
        => SpatialPyramidPoolKernels.Forward(Accelerator, batch, channels, inHeight, inWidth, levels, View(x), View(y), View(argmax));

    /// <inheritdoc/>
    public void SpatialPyramidPoolBackward(int batch, int channels, int inHeight, int inWidth, ReadOnlySpan<int> levels, DeviceView<float> dy, DeviceView<int> argmax, DeviceView<float> dx)
        => SpatialPyramidPoolKernels.Backward(Accelerator, batch, channels, inHeight, inWidth, levels, View(dy), View(argmax), View(dx));

    /// <inheritdoc/>
    public void SoftmaxForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => SoftmaxKernels.Forward(Accelerator, batch, classes, false, View(z), View(y));

    /// <inheritdoc/>
    public void SoftmaxBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => SoftmaxKernels.Backward(Accelerator, batch, classes, false, View(y), View(dy), View(dx));

    /// <inheritdoc/>
    public void SoftmaxLogForward(int batch, int classes, DeviceView<float> z, DeviceView<float> y) => SoftmaxKernels.Forward(Accelerator, batch, classes, true, View(z), View(y));

    /// <inheritdoc/>
    public void SoftmaxLogBackward(int batch, int classes, DeviceView<float> y, DeviceView<float> dy, DeviceView<float> dx) => SoftmaxKernels.Backward(Accelerator, batch, classes, true, View(y), View(dy), View(dx));

    // ---- dropout ----

    /// <inheritdoc/>
    public void DropoutForward(float rate, int seed, long step, long firstElement, DeviceView<float> x, DeviceView<float> y, DeviceView<float> mask)
    {
        if (!(rate >= 0f && rate < 1f)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "DropoutForward: rate must be in [0, 1).");
        if (x.Length != y.Length || x.Length != mask.Length)
            throw new ArgumentException($"DropoutForward: x has {x.Length}, y {y.Length} and mask {mask.Length} elements; they must match.");
        if (x.IsEmpty) return;
        _kernels.DropoutForward(x.Length, DropoutKernels.Stream(seed, step), firstElement, DropoutKernels.Threshold(rate), 1f / (1f - rate), View(x), View(y), View(mask));
    }

    /// <inheritdoc/>
    public void DropoutBackward(DeviceView<float> dy, DeviceView<float> mask, DeviceView<float> dx)
    {
        if (dy.Length != mask.Length || dy.Length != dx.Length)
            throw new ArgumentException($"DropoutBackward: dy has {dy.Length}, mask {mask.Length} and dx {dx.Length} elements; they must match.");
        if (!dy.IsEmpty) _kernels.DropoutBackward(dy.Length, View(dy), View(mask), View(dx));
    }
}
