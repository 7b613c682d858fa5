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
public sealed partial class IlgpuBackend : IDeviceBackend
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
