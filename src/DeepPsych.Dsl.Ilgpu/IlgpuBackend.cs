using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu.Ops;
using DeepPsych.Dsl.Ops;
using ILGPU;
using ILGPU.Runtime;
using Device = DeepPsych.Dsl.Devices.Device;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>
/// <see cref="IDeviceBackend"/> on an ILGPU accelerator (CUDA, OpenCL or ILGPU's CPU accelerator). Buffers live in device
/// memory; every op queues one or two kernels on the accelerator's default stream and returns at once, so a training step
/// runs without a host round trip until <see cref="Download{T}"/>/<see cref="Sum"/>. Kernels are loaded once per
/// accelerator on first use and cached (<see cref="WarmUp"/> loads them all).
/// </summary>
/// <remarks>
/// Shapes are validated on the host with messages naming the shapes, as the CPU ops do. Kernel fusion: conv + bias +
/// activation and dense + bias + activation are single kernels; softmax + cross-entropy (forward, loss and gradient) is one kernel.
/// </remarks>
public sealed class IlgpuBackend : IDeviceBackend
{
    /// <summary>Threads the weight-gradient kernel aims for before it stops splitting the batch into slices.</summary>
    private const int WeightGradientTargetThreads = 1 << 16;

    private readonly Context _context;
    private readonly IlgpuKernels _kernels;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _dummy;
    private MemoryBuffer1D<float, Stride1D.Dense>? _scratch;
    private MemoryBuffer1D<float, Stride1D.Dense>? _statistics;
    private MemoryBuffer1D<float, Stride1D.Dense>? _classWeights;
    private float[] _classWeightsHost = [];
    private bool _disposed;

    internal IlgpuBackend(Device device, Context context, Accelerator accelerator)
    {
        Device = device;
        _context = context;
        Accelerator = accelerator;
        _kernels = new IlgpuKernels(accelerator);
        _dummy = accelerator.Allocate1D<float>(1);
    }

    /// <inheritdoc/>
    public Device Device { get; }

    /// <summary>The ILGPU accelerator.</summary>
    public Accelerator Accelerator { get; }

    /// <inheritdoc/>
    public string Description => $"{Device} — {Accelerator.Name} ({Accelerator.AcceleratorType}, {Accelerator.MemorySize >> 20} MiB, warp {Accelerator.WarpSize})";

    /// <inheritdoc/>
    public void WarmUp()
    {
        _kernels.WarmUp();
        Accelerator.Synchronize();
    }

    /// <inheritdoc/>
    public void Synchronize() => Accelerator.Synchronize();

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _scratch?.Dispose();
        _statistics?.Dispose();
        _classWeights?.Dispose();
        _dummy.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }

    // ---- memory ----

    /// <inheritdoc/>
    public DeviceBuffer<T> Allocate<T>(int length) where T : unmanaged
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(int))
            throw new NotSupportedException($"Device buffers hold float or int, not {typeof(T).Name}.");
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var buffer = Accelerator.Allocate1D<T>(Math.Max(length, 1));
        buffer.MemSetToZero();
        return new IlgpuBuffer<T>(this, length, buffer);
    }

    /// <inheritdoc/>
    public void Upload<T>(ReadOnlySpan<T> source, DeviceView<T> destination) where T : unmanaged
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Upload: {source.Length} host elements into a device view of {destination.Length}.");
        if (source.Length == 0) return;
        View(destination).CopyFromCPU(source);
    }

    /// <inheritdoc/>
    public void Download<T>(DeviceView<T> source, Span<T> destination) where T : unmanaged
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Download: a device view of {source.Length} into {destination.Length} host elements.");
        if (source.Length == 0) return;
        Accelerator.Synchronize();
        View(source).CopyToCPU(destination);
    }

    /// <inheritdoc/>
    public void Zero(DeviceView<float> view)
    {
        if (!view.IsEmpty) View(view).MemSetToZero();
    }

    /// <inheritdoc/>
    public void Fill(DeviceView<float> view, float value)
    {
        if (!view.IsEmpty) _kernels.Fill(view.Length, View(view), value);
    }

    /// <inheritdoc/>
    public void Copy(DeviceView<float> source, DeviceView<float> destination)
    {
        if (source.Length != destination.Length) throw new ArgumentException($"Copy: source has {source.Length} elements, destination {destination.Length}.");
        if (!source.IsEmpty) View(source).CopyTo(View(destination));
    }

    /// <inheritdoc/>
    public void Add(DeviceView<float> x, DeviceView<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Add: x has {x.Length} elements, y {y.Length}.");
        if (!x.IsEmpty) _kernels.Add(x.Length, View(x), View(y));
    }

    /// <inheritdoc/>
    public double Sum(DeviceView<float> view)
    {
        if (view.IsEmpty) return 0;
        var host = new float[view.Length];
        Download(view, host);
        double s = 0;
        foreach (float v in host) s += v;
        return s;
    }

    /// <summary>Threads of the first stage of <see cref="Statistics"/>; each sums every <c>StatisticsParts</c>-th element.</summary>
    private const int StatisticsParts = 1024;

    /// <inheritdoc/>
    public BlockStatistics Statistics(DeviceView<float> view)
    {
        if (view.IsEmpty) return new BlockStatistics(0, true);
        _statistics ??= Accelerator.Allocate1D<float>(2 * StatisticsParts + 2);
        ArrayView<float> partial = _statistics.View;
        _kernels.StatisticsPartial(StatisticsParts, view.Length, StatisticsParts, View(view), partial);
        _kernels.StatisticsFinish(1, StatisticsParts, partial);
        Span<float> result = stackalloc float[2];
        Accelerator.Synchronize();
        partial.SubView(2 * StatisticsParts, 2).CopyToCPU(result);
        return new BlockStatistics(result[0], result[1] == 0f);
    }

    /// <inheritdoc/>
    public void Scale(DeviceView<float> view, float factor)
    {
        if (!view.IsEmpty) _kernels.Scale(view.Length, View(view), factor);
    }

    /// <inheritdoc/>
    public void Clamp(DeviceView<float> view, float limit)
    {
        if (!(limit > 0)) throw new ArgumentOutOfRangeException(nameof(limit), limit, "Clamp: the limit must be positive.");
        if (!view.IsEmpty) _kernels.Clamp(view.Length, View(view), limit);
    }

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

    // ---- losses ----

    /// <inheritdoc/>
    public void SoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, DeviceView<float> dlogits, float scale, DeviceView<float> losses)
    {
        const string op = "SoftmaxCrossEntropy";
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        Shapes.Length(op, "logits", logits.Length, (long)batch * classes, $"{batch}x{classes}");
        Shapes.Length(op, "dlogits", dlogits.Length, logits.Length, "logits");
        Shapes.Length(op, "labels", labels.Length, batch, "batch");
        Shapes.Length(op, "losses", losses.Length, batch, "batch");
        if (batch > 0) _kernels.SoftmaxCrossEntropy(batch, classes, scale, View(logits), View(labels), View(dlogits), View(losses));
    }

    /// <inheritdoc/>
    public void WeightedSoftmaxCrossEntropy(int batch, int classes, DeviceView<float> logits, DeviceView<int> labels, ReadOnlySpan<float> weights, int ignoreIndex,
        DeviceView<float> dlogits, float scale, DeviceView<float> losses)
    {
        const string op = "WeightedSoftmaxCrossEntropy";
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        if (weights.Length != 0 && weights.Length != classes) throw new ArgumentException($"{op}: {weights.Length} class weights for {classes} classes; give one per class, or none.");
        var w = weights.IsEmpty ? default : ClassWeights(weights);
        WeightedLossKernels.SoftmaxCrossEntropy(Accelerator, batch, classes, ignoreIndex, scale, View(logits), View(labels), w, View(dlogits), View(losses));
    }

    /// <summary>The device copy of the class weights, uploaded only when they change (a network passes the same K floats every step).</summary>
    private ArrayView<float> ClassWeights(ReadOnlySpan<float> weights)
    {
        if (_classWeights is null || _classWeights.Length < weights.Length)
        {
            if (_classWeights is not null) { Accelerator.Synchronize(); _classWeights.Dispose(); }   // queued kernels may still read it
            _classWeights = Accelerator.Allocate1D<float>(weights.Length);
            _classWeightsHost = [];
        }
        ArrayView<float> view = _classWeights.View.SubView(0, weights.Length);
        if (!weights.SequenceEqual(_classWeightsHost))
        {
            view.CopyFromCPU(weights);
            _classWeightsHost = weights.ToArray();
        }
        return view;
    }

    /// <inheritdoc/>
    public void MseLoss(DeviceView<float> predictions, DeviceView<float> targets, DeviceView<float> dpredictions, float scale, DeviceView<float> squaredErrors)
    {
        if (predictions.Length != targets.Length || predictions.Length != dpredictions.Length || predictions.Length != squaredErrors.Length)
            throw new ArgumentException($"MseLoss: predictions has {predictions.Length}, targets {targets.Length}, dpredictions {dpredictions.Length} and squaredErrors {squaredErrors.Length} elements; they must match.");
        if (!predictions.IsEmpty) _kernels.Mse(predictions.Length, 2f * scale, View(predictions), View(targets), View(dpredictions), View(squaredErrors));
    }

    // ---- optimizers ----

    /// <inheritdoc/>
    public void SgdUpdate(in SgdStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> momentumBuffer, DeviceView<float> decayMask)
    {
        CheckUpdate("SgdUpdate", parameters.Length, gradients.Length, decayMask);
        if (step.Momentum != 0) Shapes.Length("SgdUpdate", "momentumBuffer", momentumBuffer.Length, parameters.Length, "parameters");
        if (parameters.IsEmpty) return;
        _kernels.Sgd(parameters.Length, step.LearningRate, step.WeightDecay, step.Momentum, 1f - step.Dampening, step.Nesterov ? 1 : 0, step.FirstStep ? 1 : 0,
            decayMask.IsEmpty ? 0 : 1, View(parameters), View(gradients), ViewOrDummy(momentumBuffer), ViewOrDummy(decayMask));
    }

    /// <inheritdoc/>
    public void AdamUpdate(in AdamStep step, DeviceView<float> parameters, DeviceView<float> gradients, DeviceView<float> m, DeviceView<float> v, DeviceView<float> decayMask)
    {
        CheckUpdate("AdamUpdate", parameters.Length, gradients.Length, decayMask);
        Shapes.Length("AdamUpdate", "m", m.Length, parameters.Length, "parameters");
        Shapes.Length("AdamUpdate", "v", v.Length, parameters.Length, "parameters");
        if (parameters.IsEmpty) return;
        var a = new AdamParams(step.LearningRate, step.WeightDecay, step.Beta1, step.Beta2, step.Epsilon, step.StepSize, step.Correction2Sqrt, step.Decoupled ? 1 : 0, decayMask.IsEmpty ? 0 : 1);
        _kernels.Adam(parameters.Length, a, View(parameters), View(gradients), View(m), View(v), ViewOrDummy(decayMask));
    }

    private static void CheckUpdate(string op, int parameters, int gradients, DeviceView<float> mask)
    {
        if (parameters != gradients) throw new ArgumentException($"{op}: {parameters} parameters but {gradients} gradients.");
        if (!mask.IsEmpty && mask.Length != parameters) throw new ArgumentException($"{op}: the decay mask has {mask.Length} entries for {parameters} parameters.");
    }

    // ---- views ----

    private ArrayView<T> View<T>(DeviceView<T> view) where T : unmanaged
    {
        if (view.Buffer is not IlgpuBuffer<T> buffer || !ReferenceEquals(buffer.Backend, this))
            throw new ArgumentException(view.Buffer is null
                ? "A required device view is empty."
                : $"A view {view} belongs to another backend ({view.Buffer.Backend.Device}), not {Device}.");
        return buffer.Memory.View.SubView(view.Offset, view.Length);
    }

    private ArrayView<float> ViewOrDummy(DeviceView<float> view) => view.IsEmpty ? _dummy.View : View(view);

    /// <summary>Grow-only device scratch (weight-gradient partial sums); valid until the next call that uses it.</summary>
    private ArrayView<float> Scratch(long length)
    {
        if (_scratch is null || _scratch.Length < length)
        {
            if (_scratch is not null) { Accelerator.Synchronize(); _scratch.Dispose(); }   // queued kernels may still read it
            _scratch = Accelerator.Allocate1D<float>(Math.Max(length, (_scratch?.Length ?? 0) * 3 / 2));
        }
        return _scratch.View.SubView(0, length);
    }

    private sealed class IlgpuBuffer<T>(IlgpuBackend backend, int length, MemoryBuffer1D<T, Stride1D.Dense> memory) : DeviceBuffer<T>(backend, length) where T : unmanaged
    {
        public MemoryBuffer1D<T, Stride1D.Dense> Memory { get; } = memory;
        protected override void Dispose(bool disposing) => Memory.Dispose();
    }
}
