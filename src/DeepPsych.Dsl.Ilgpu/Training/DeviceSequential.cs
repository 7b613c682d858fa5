using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Ilgpu.Training;

/// <summary>
/// A sequential network trained entirely on one <see cref="IDeviceBackend"/>: parameters, gradients, activations, the
/// activation gradients, pooling switches and dropout masks all live on the device for the whole step; the host uploads the
/// batch and labels, and downloads one float per sample (the losses) at the end. The same class runs on
/// <see cref="CpuBackend"/> (the CPU ops) and on ILGPU, which is how the device path is checked against the CPU path.
/// </summary>
/// <remarks>
/// This is, by hand, the code the generator will emit for a network on a device: one call per layer in forward order, the
/// loss, then one block per layer in reverse (activation derivative from the saved output, then the op's backward, which
/// accumulates). Parameters are one block: per layer, weight then bias, in layer order (PyTorch's state_dict order).
/// </remarks>
public sealed class DeviceSequential : IDisposable
{
    private readonly Plan[] _plans;
    private readonly DeviceBuffer<float> _input, _losses;
    private readonly DeviceBuffer<int> _labels;
    private DeviceBuffer<float>? _state0, _state1, _decayMask;
    private long _optimizerSteps;

    /// <summary>Builds the network for inputs of <paramref name="inputShape"/> (C, H, W) and batches up to <paramref name="maxBatch"/>.</summary>
    /// <exception cref="ArgumentException">A layer does not fit its input (the message names the layer and shapes).</exception>
    public DeviceSequential(IDeviceBackend backend, IReadOnlyList<LayerSpec> layers, (int C, int H, int W) inputShape, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        Backend = backend;
        MaxBatch = maxBatch;
        Layers = layers;
        InputLength = inputShape.C * inputShape.H * inputShape.W;
        _plans = new Plan[layers.Count];
        var shape = inputShape;
        int parameters = 0;
        for (int l = 0; l < layers.Count; l++)
        {
            _plans[l] = Plan.Create(layers[l], shape, ref parameters);
            shape = _plans[l].OutShape;
        }
        if (_plans[^1].Spec is not DenseSpec) throw new ArgumentException($"The last layer ({layers[^1].Name}) must be dense: it produces the logits.", nameof(layers));
        Classes = _plans[^1].OutLength;
        ParameterCount = parameters;
        Parameters = backend.Allocate<float>(parameters);
        Gradients = backend.Allocate<float>(parameters);
        _input = backend.Allocate<float>(maxBatch * InputLength);
        _labels = backend.Allocate<int>(maxBatch);
        _losses = backend.Allocate<float>(maxBatch);
        foreach (var p in _plans)
        {
            p.Output = backend.Allocate<float>(maxBatch * p.OutLength);
            p.OutputGrad = backend.Allocate<float>(maxBatch * p.OutLength);
            if (p.Spec is MaxPoolSpec) p.Argmax = backend.Allocate<int>(maxBatch * p.OutLength);
            if (p.Spec is DropoutSpec) p.Mask = backend.Allocate<float>(maxBatch * p.OutLength);
        }
    }

    /// <summary>The backend everything runs on.</summary>
    public IDeviceBackend Backend { get; }
    /// <summary>The layers.</summary>
    public IReadOnlyList<LayerSpec> Layers { get; }
    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Floats per input sample.</summary>
    public int InputLength { get; }
    /// <summary>Output classes (logits per sample).</summary>
    public int Classes { get; }
    /// <summary>Total parameters.</summary>
    public int ParameterCount { get; }
    /// <summary>The parameter block on the device.</summary>
    public DeviceBuffer<float> Parameters { get; }
    /// <summary>The gradient block on the device (same layout).</summary>
    public DeviceBuffer<float> Gradients { get; }
    /// <summary>Dropout seed.</summary>
    public int Seed { get; set; }
    /// <summary>Training steps taken (advanced by <see cref="ComputeGradients"/>; part of the dropout mask's key).</summary>
    public long Step { get; set; }

    /// <summary>(name, offset, length) of every parameter tensor in the block, in order.</summary>
    public IReadOnlyList<(string Name, int Offset, int Length)> ParameterTable()
    {
        var list = new List<(string, int, int)>();
        foreach (var p in _plans)
            if (p.WeightLength > 0)
            {
                list.Add(($"{p.Spec.Name}.weight", p.WeightOffset, p.WeightLength));
                list.Add(($"{p.Spec.Name}.bias", p.WeightOffset + p.WeightLength, p.BiasLength));
            }
        return list;
    }

    /// <summary>Seeded initialisation on the host (He normal for weights, zero biases), then one upload.</summary>
    public void InitializeParameters(int seed)
    {
        var host = new float[ParameterCount];
        var rng = new Random(seed);
        foreach (var p in _plans)
        {
            if (p.WeightLength == 0) continue;
            double std = Math.Sqrt(2.0 / p.FanIn);
            for (int i = 0; i < p.WeightLength; i++)
            {
                double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
                host[p.WeightOffset + i] = (float)(std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            }
        }
        Backend.Upload<float>(host, Parameters);
    }

    /// <summary>Gradients = 0.</summary>
    public void ZeroGradients() => Backend.Zero(Gradients);

    /// <summary>
    /// Training forward, softmax cross-entropy and backward for one batch: ADDS the gradients of the mean loss to
    /// <see cref="Gradients"/> and returns the mean loss. Two uploads (batch, labels), one download (the per-sample losses).
    /// </summary>
    /// <exception cref="ArgumentException">Wrong lengths, batch out of range, or a label outside [0, classes).</exception>
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch)
    {
        if (batch < 1 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch must be in [1, {MaxBatch}].");
        if (input.Length != batch * InputLength) throw new ArgumentException($"input has {input.Length} floats but {batch}x{InputLength} = {batch * InputLength} are needed.", nameof(input));
        if (labels.Length != batch) throw new ArgumentException($"labels has {labels.Length} entries but batch is {batch}.", nameof(labels));
        for (int n = 0; n < batch; n++)
            if ((uint)labels[n] >= (uint)Classes) throw new ArgumentException($"Label {labels[n]} of row {n} is outside [0, {Classes}).", nameof(labels));
        var b = Backend;
        var x0 = _input.Slice(0, batch * InputLength);
        b.Upload(input, x0);
        b.Upload(labels, _labels.Slice(0, batch));

        // ---- forward ----
        for (int l = 0; l < _plans.Length; l++) Forward(_plans[l], l == 0 ? x0 : Out(_plans[l - 1], batch), batch);

        // ---- loss: dlogits = (softmax − onehot) / batch ----
        var last = _plans[^1];
        var losses = _losses.Slice(0, batch);
        b.SoftmaxCrossEntropy(batch, Classes, Out(last, batch), _labels.Slice(0, batch), Grad(last, batch), 1f / batch, losses);

        // ---- backward: activation gradients accumulate, so zero them first (the loss overwrote the last one) ----
        for (int l = 0; l < _plans.Length - 1; l++) b.Zero(Grad(_plans[l], batch));
        for (int l = _plans.Length - 1; l >= 0; l--)
            Backward(_plans[l], l == 0 ? x0 : Out(_plans[l - 1], batch), l == 0 ? default : Grad(_plans[l - 1], batch), batch);
        Step++;
        return (float)(b.Sum(losses) / batch);
    }

    /// <summary>Inference forward (dropout off); writes batch × classes logits.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> logits, int batch)
    {
        if (batch < 1 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"Batch must be in [1, {MaxBatch}].");
        var x0 = _input.Slice(0, batch * InputLength);
        Backend.Upload(input, x0);
        for (int l = 0; l < _plans.Length; l++) Forward(_plans[l], l == 0 ? x0 : Out(_plans[l - 1], batch), batch, training: false);
        Backend.Download(Out(_plans[^1], batch), logits);
    }

    /// <summary>
    /// One optimizer step on the device, with <paramref name="optimizer"/>'s hyper-parameters (<see cref="Sgd"/>, <see cref="Adam"/>,
    /// <see cref="AdamW"/>) and state held here on the device (the host optimizer's own state and step count are not used).
    /// </summary>
    /// <exception cref="NotSupportedException">Another optimizer type.</exception>
    public void Update(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        long t = ++_optimizerSteps;
        var mask = optimizer.DecayBiases || optimizer.WeightDecay == 0 ? default : DecayMask();
        switch (optimizer)
        {
            case Sgd sgd:
                var buf = sgd.Momentum == 0 ? default : (_state0 ??= Backend.Allocate<float>(ParameterCount)).View;
                Backend.SgdUpdate(SgdStep.For(sgd, t), Parameters, Gradients, buf, mask);
                break;
            case Adam adam:
                _state0 ??= Backend.Allocate<float>(ParameterCount);
                _state1 ??= Backend.Allocate<float>(ParameterCount);
                Backend.AdamUpdate(AdamStep.For(adam, t), Parameters, Gradients, _state0, _state1, mask);
                break;
            default:
                throw new NotSupportedException($"{optimizer.GetType().Name} has no device update; use Sgd, Adam or AdamW.");
        }
    }

    /// <summary>Frees every device buffer.</summary>
    public void Dispose()
    {
        foreach (var p in _plans) { p.Output?.Dispose(); p.OutputGrad?.Dispose(); p.Argmax?.Dispose(); p.Mask?.Dispose(); }
        Parameters.Dispose(); Gradients.Dispose(); _input.Dispose(); _labels.Dispose(); _losses.Dispose();
        _state0?.Dispose(); _state1?.Dispose(); _decayMask?.Dispose();
    }

    private DeviceView<float> DecayMask()
    {
        if (_decayMask is null)
        {
            var host = new float[ParameterCount];
            Array.Fill(host, 1f);
            foreach (var p in _plans) Array.Clear(host, p.WeightOffset + p.WeightLength, p.BiasLength);
            _decayMask = Backend.Allocate<float>(ParameterCount);
            Backend.Upload<float>(host, _decayMask);
        }
        return _decayMask;
    }

    private static DeviceView<float> Out(Plan p, int batch) => p.Output!.Slice(0, batch * p.OutLength);
    private static DeviceView<float> Grad(Plan p, int batch) => p.OutputGrad!.Slice(0, batch * p.OutLength);
    private DeviceView<float> W(Plan p) => Parameters.Slice(p.WeightOffset, p.WeightLength);
    private DeviceView<float> B(Plan p) => Parameters.Slice(p.WeightOffset + p.WeightLength, p.BiasLength);
    private DeviceView<float> DW(Plan p) => Gradients.Slice(p.WeightOffset, p.WeightLength);
    private DeviceView<float> DB(Plan p) => Gradients.Slice(p.WeightOffset + p.WeightLength, p.BiasLength);

    private void Forward(Plan p, DeviceView<float> x, int batch, bool training = true)
    {
        var y = Out(p, batch);
        switch (p.Spec)
        {
            case ConvSpec c: Backend.Conv2DForward(p.Conv, batch, x, W(p), B(p), y, c.Act, c.LeakySlope); break;          // fused conv + bias + act
            case DenseSpec d: Backend.DenseForward(batch, p.InLength, p.OutLength, x, W(p), B(p), y, d.Act, d.LeakySlope); break;
            case MaxPoolSpec: Backend.MaxPool2DForward(p.Pool, batch, x, y, p.Argmax!.Slice(0, y.Length)); break;
            case AvgPoolSpec a: Backend.AvgPool2DForward(p.Pool, batch, x, y, a.CountIncludePad); break;
            case GlobalAvgPoolSpec: Backend.GlobalAvgPoolForward(batch, p.InShape.C, p.InShape.H * p.InShape.W, x, y); break;
            case ActivationSpec a: Backend.ActivationForward(a.Act, a.LeakySlope, x, y); break;
            case DropoutSpec d when training: Backend.DropoutForward(d.Rate, Seed, Step, 0, x, y, p.Mask!.Slice(0, y.Length)); break;
            case DropoutSpec: Backend.Copy(x, y); break;
            default: throw new NotSupportedException(p.Spec.GetType().Name);
        }
    }

    private void Backward(Plan p, DeviceView<float> x, DeviceView<float> dx, int batch)
    {
        var y = Out(p, batch);
        var dy = Grad(p, batch);
        switch (p.Spec)
        {
            case ConvSpec c:
                // dz = dy ⊙ act'(y); dW += x ⋆ dz; db += Σ dz; dx += convᵀ(W, dz)
                Backend.ActivationApplyDerivativeInPlace(c.Act, c.LeakySlope, y, dy);
                Backend.Conv2DBackward(p.Conv, batch, x, W(p), dy, dx, DW(p), DB(p));
                break;
            case DenseSpec d:
                // dz = dy ⊙ act'(y); dW += dzᵀ·x; db += Σ_n dz; dx += dz·W
                Backend.ActivationApplyDerivativeInPlace(d.Act, d.LeakySlope, y, dy);
                Backend.DenseBackward(batch, p.InLength, p.OutLength, x, W(p), dy, dx, DW(p), DB(p));
                break;
            case MaxPoolSpec when !dx.IsEmpty: Backend.MaxPool2DBackward(p.Pool, batch, dy, p.Argmax!.Slice(0, y.Length), dx); break;
            case AvgPoolSpec a when !dx.IsEmpty: Backend.AvgPool2DBackward(p.Pool, batch, dy, dx, a.CountIncludePad); break;
            case GlobalAvgPoolSpec when !dx.IsEmpty: Backend.GlobalAvgPoolBackward(batch, p.InShape.C, p.InShape.H * p.InShape.W, dy, dx); break;
            case ActivationSpec a when !dx.IsEmpty: Backend.ActivationBackward(a.Act, a.LeakySlope, y, dy, dx); break;
            case DropoutSpec when !dx.IsEmpty: Backend.DropoutBackward(dy, p.Mask!.Slice(0, y.Length), dx); break;
        }
    }

    /// <summary>Shapes, parameter offsets and device buffers of one layer.</summary>
    private sealed class Plan
    {
        public required LayerSpec Spec { get; init; }
        public (int C, int H, int W) InShape { get; init; }
        public (int C, int H, int W) OutShape { get; init; }
        public int InLength => InShape.C * InShape.H * InShape.W;
        public int OutLength => OutShape.C * OutShape.H * OutShape.W;
        public Conv2DGeometry Conv { get; init; }
        public Pool2DGeometry Pool { get; init; }
        public int WeightOffset { get; init; }
        public int WeightLength { get; init; }
        public int BiasLength { get; init; }
        public int FanIn { get; init; }
        public DeviceBuffer<float>? Output { get; set; }
        public DeviceBuffer<float>? OutputGrad { get; set; }
        public DeviceBuffer<int>? Argmax { get; set; }
        public DeviceBuffer<float>? Mask { get; set; }

        public static Plan Create(LayerSpec spec, (int C, int H, int W) s, ref int offset)
        {
            switch (spec)
            {
                case ConvSpec c:
                {
                    var g = Conv2DGeometry.Square(s.C, s.H, s.W, c.OutChannels, c.Kernel, c.Stride, c.Padding, c.Dilation, c.Groups);
                    if (g.OutHeight <= 0 || g.OutWidth <= 0 || s.C % c.Groups != 0 || c.OutChannels % c.Groups != 0)
                        throw new ArgumentException($"{c.Name}: conv {c.OutChannels}@{c.Kernel}x{c.Kernel} (stride {c.Stride}, pad {c.Padding}, dilation {c.Dilation}, groups {c.Groups}) does not fit the {s.C}x{s.H}x{s.W} input.");
                    var plan = new Plan { Spec = spec, InShape = s, OutShape = (c.OutChannels, g.OutHeight, g.OutWidth), Conv = g, WeightOffset = offset, WeightLength = g.WeightLength, BiasLength = c.OutChannels, FanIn = s.C / c.Groups * c.Kernel * c.Kernel };
                    offset += g.WeightLength + c.OutChannels;
                    return plan;
                }
                case DenseSpec d:
                {
                    int inF = s.C * s.H * s.W;
                    var plan = new Plan { Spec = spec, InShape = s, OutShape = (d.Units, 1, 1), WeightOffset = offset, WeightLength = d.Units * inF, BiasLength = d.Units, FanIn = inF };
                    offset += d.Units * inF + d.Units;
                    return plan;
                }
                case MaxPoolSpec m: return PoolPlan(spec, s, Pool2DGeometry.Square(s.C, s.H, s.W, m.Kernel, m.Stride, m.Padding), offset);
                case AvgPoolSpec a: return PoolPlan(spec, s, Pool2DGeometry.Square(s.C, s.H, s.W, a.Kernel, a.Stride, a.Padding), offset);
                case GlobalAvgPoolSpec: return new Plan { Spec = spec, InShape = s, OutShape = (s.C, 1, 1), WeightOffset = offset };
                case ActivationSpec or DropoutSpec: return new Plan { Spec = spec, InShape = s, OutShape = s, WeightOffset = offset };
                default: throw new NotSupportedException($"{spec.Name}: layer kind {spec.GetType().Name} is not supported on devices.");
            }
        }

        private static Plan PoolPlan(LayerSpec spec, (int C, int H, int W) s, Pool2DGeometry g, int offset)
        {
            if (g.OutHeight <= 0 || g.OutWidth <= 0)
                throw new ArgumentException($"{spec.Name}: window {g.KernelH}x{g.KernelW} does not fit the {s.C}x{s.H}x{s.W} input.");
            return new Plan { Spec = spec, InShape = s, OutShape = (s.C, g.OutHeight, g.OutWidth), Pool = g, WeightOffset = offset };
        }
    }
}
