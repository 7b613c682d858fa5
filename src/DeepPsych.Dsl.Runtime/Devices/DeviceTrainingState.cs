namespace DeepPsych.Dsl.Devices;

/// <summary>
/// What a generated network keeps on a device between steps: its parameter block, its gradient block, the optimizer's
/// state blocks and the weight-decay mask. The generated device workspace derives from it and adds the per-sample
/// buffers of its memory plan; optimizers and the trainer reach it through <see cref="IDeviceTrainable.DeviceState"/>.
/// </summary>
/// <remarks>
/// <para><b>Where the current values are.</b> Each block is either in sync, newer on the device, or possibly newer on the
/// host. The device side moves it only when needed:</para>
/// <list type="bullet">
/// <item>Device work (a training step, an inference, an optimizer update, clipping) first uploads a block the host may have
/// changed, then marks what it wrote as newer on the device. Per step only the batch goes up and the per-sample losses
/// come down.</item>
/// <item>Any host access — the network's <c>Parameters</c>/<c>Gradients</c>, <see cref="ParameterTensor.Values"/> and
/// <see cref="ParameterTensor.Gradients"/> (checkpoints, named views, initialisation), or leaving the device
/// (<c>UseDevice(null)</c>, which disposes this) — first downloads a block that is newer on the device, then marks it
/// as possibly changed by the host, because the caller holds a writable array. So the next device use uploads it again.</item>
/// </list>
/// <para>So host code never sees stale values and host writes are never lost, provided the host reaches the arrays through
/// those accessors after the device last ran (an array kept from before is a snapshot). Optimizer state follows the same
/// rule through <see cref="Optimizers.Optimizer.ExportState"/> and <see cref="Optimizers.Optimizer.ImportState"/>.</para>
/// </remarks>
public abstract class DeviceTrainingState : IHostBlockAccess, IDisposable
{
    private enum Residency { InSync, HostAhead, DeviceAhead }

    private readonly float[] _hostParameters;
    private readonly float[] _hostGradients;
    private readonly IReadOnlyList<ParameterTensor> _tensors;
    private Residency _parameters = Residency.HostAhead;
    private Residency _gradients = Residency.HostAhead;
    private readonly float[] _hostBuffers = [];
    private readonly IReadOnlyList<BufferTensor> _bufferTensors = [];
    private Residency _buffers = Residency.HostAhead;

    private object? _stateOwner;
    private float[][]? _stateHost;
    private DeviceBuffer<float>[] _state = [];
    private DeviceView<float>[] _stateViews = [];
    private bool _stateDeviceAhead;
    private float[]? _maskSource;
    private DeviceBuffer<float>? _mask;
    private bool _disposed;

    /// <summary>Allocates the parameter and gradient blocks on <paramref name="backend"/> (filled from the host arrays on
    /// first use) and routes host access of <paramref name="tensors"/> through this state.</summary>
    /// <param name="backend">The device.</param>
    /// <param name="parameters">The network's host parameter block.</param>
    /// <param name="gradients">The network's host gradient block (same length).</param>
    /// <param name="tensors">The network's named views into both blocks.</param>
    protected DeviceTrainingState(IDeviceBackend backend, float[] parameters, float[] gradients, IReadOnlyList<ParameterTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(backend);
        if (parameters.Length != gradients.Length)
            throw new ArgumentException($"The parameter block has {parameters.Length} floats, the gradient block {gradients.Length}; they must match.", nameof(gradients));
        Backend = backend;
        _hostParameters = parameters;
        _hostGradients = gradients;
        _tensors = tensors;
        Parameters = backend.Allocate<float>(parameters.Length);
        Gradients = backend.Allocate<float>(gradients.Length);
        foreach (var t in tensors) t.AttachHostAccess(this);
    }

    /// <summary>As the other constructor, and keeps the network's buffer block (BatchNorm's running statistics) on the device
    /// too, under the same residency rule: training steps move it there, host access brings it down.</summary>
    /// <param name="backend">The device.</param>
    /// <param name="parameters">The network's host parameter block.</param>
    /// <param name="gradients">The network's host gradient block (same length).</param>
    /// <param name="tensors">The network's named views into both blocks.</param>
    /// <param name="buffers">The network's host buffer block (float32 buffers).</param>
    /// <param name="bufferTensors">The network's named buffers (the int64 ones stay on the host).</param>
    protected DeviceTrainingState(IDeviceBackend backend, float[] parameters, float[] gradients, IReadOnlyList<ParameterTensor> tensors,
        float[] buffers, IReadOnlyList<BufferTensor> bufferTensors)
        : this(backend, parameters, gradients, tensors)
    {
        _hostBuffers = buffers;
        _bufferTensors = bufferTensors;
        Buffers = backend.Allocate<float>(Math.Max(1, buffers.Length)).View.Slice(0, buffers.Length);
        foreach (var t in bufferTensors) t.AttachHostAccess(this);
    }

    /// <summary>The buffer block on the device (empty for networks without buffers).</summary>
    public DeviceView<float> Buffers { get; }

    /// <summary>The device.</summary>
    public IDeviceBackend Backend { get; }

    /// <summary>The parameter block on the device, laid out as the host's.</summary>
    public DeviceBuffer<float> Parameters { get; }

    /// <summary>The gradient block on the device.</summary>
    public DeviceBuffer<float> Gradients { get; }

    /// <summary>Floats in each block.</summary>
    public int ParameterCount => Parameters.Length;

    // ---- the host side ----

    /// <summary>The host parameter block, current (downloaded first when the device is ahead); the device will upload it
    /// again before its next use, since the caller may write it.</summary>
    public float[] HostParameters()
    {
        BeforeHostAccess(gradients: false);
        return _hostParameters;
    }

    /// <summary>The host buffer block, current; as <see cref="HostParameters"/>.</summary>
    public float[] HostBuffers()
    {
        BeforeBufferAccess();
        return _hostBuffers;
    }

    /// <inheritdoc/>
    public void BeforeBufferAccess()
    {
        if (_disposed || _hostBuffers.Length == 0) return;
        if (_buffers == Residency.DeviceAhead) Backend.Download<float>(Buffers, _hostBuffers);
        _buffers = Residency.HostAhead;
    }

    /// <summary>The host gradient block, current; as <see cref="HostParameters"/>.</summary>
    public float[] HostGradients()
    {
        BeforeHostAccess(gradients: true);
        return _hostGradients;
    }

    /// <inheritdoc/>
    public void BeforeHostAccess(bool gradients)
    {
        if (_disposed) return;
        ref Residency where = ref gradients ? ref _gradients : ref _parameters;
        if (where == Residency.DeviceAhead) Backend.Download<float>(gradients ? Gradients : Parameters, gradients ? _hostGradients : _hostParameters);
        where = Residency.HostAhead;
    }

    // ---- the device side ----

    /// <summary>Before a forward pass: the parameters on the device are current.</summary>
    public void BeginInference()
    {
        OnDevice(gradients: false);
        BuffersOnDevice();
    }

    /// <summary>Before a training step (forward, loss, backward adding into the gradient block): both blocks are current on
    /// the device and the gradients will be newer there. Returns the gradient block.</summary>
    public DeviceView<float> BeginTrainingStep()
    {
        OnDevice(gradients: false);
        OnDevice(gradients: true);
        _gradients = Residency.DeviceAhead;
        BuffersOnDevice();
        if (_hostBuffers.Length > 0) _buffers = Residency.DeviceAhead;   // training moves the running statistics
        return Gradients;
    }

    /// <summary>Sets every gradient to zero on the device (nothing moves; the host's copy is outdated by it).</summary>
    public void ZeroGradients()
    {
        CheckNotDisposed();
        Backend.Zero(Gradients);
        _gradients = Residency.DeviceAhead;
    }

    /// <summary>Σ g² and whether every gradient is finite, reduced on the device (two floats come down).</summary>
    public BlockStatistics GradientStatistics()
    {
        OnDevice(gradients: true);
        return Backend.Statistics(Gradients);
    }

    /// <summary>Σ p² and whether every parameter is finite, reduced on the device.</summary>
    public BlockStatistics ParameterStatistics()
    {
        OnDevice(gradients: false);
        return Backend.Statistics(Parameters);
    }

    /// <summary>g ·= <paramref name="factor"/> on the device.</summary>
    public void ScaleGradients(float factor)
    {
        OnDevice(gradients: true);
        Backend.Scale(Gradients, factor);
        _gradients = Residency.DeviceAhead;
    }

    /// <summary>g = clamp(g, −<paramref name="limit"/>, <paramref name="limit"/>) on the device.</summary>
    public void ClampGradients(float limit)
    {
        OnDevice(gradients: true);
        Backend.Clamp(Gradients, limit);
        _gradients = Residency.DeviceAhead;
    }

    // ---- optimizer state ----

    /// <summary>Before an optimizer update: both blocks current on the device, the parameters newer there afterwards; the
    /// optimizer's state blocks as device views, uploaded from <paramref name="host"/> when another optimizer held them,
    /// or when <paramref name="hostChanged"/> (a fresh, reset or imported state); afterwards they are newer on the device
    /// until <see cref="PullOptimizerState"/>. <paramref name="decayMask"/> (null: decay everything) is uploaded once.</summary>
    /// <param name="owner">The optimizer.</param>
    /// <param name="host">Its host state blocks, each <see cref="ParameterCount"/> long.</param>
    /// <param name="hostChanged">The host blocks are newer than any device copy.</param>
    /// <param name="decayMask">The 0/1 weight-decay mask, or null.</param>
    /// <returns>The parameter, gradient and state views and the mask view (empty when null).</returns>
    public OptimizerViews BeginUpdate(object owner, float[][] host, bool hostChanged, float[]? decayMask)
    {
        ArgumentNullException.ThrowIfNull(owner);
        OnDevice(gradients: false);
        OnDevice(gradients: true);
        foreach (var block in host)
            if (block.Length != ParameterCount)
                throw new ArgumentException($"An optimizer state block has {block.Length} floats for {ParameterCount} parameters. Call Reset() on the optimizer to start over with this network.", nameof(host));
        if (!ReferenceEquals(owner, _stateOwner) || hostChanged || _state.Length != host.Length)
        {
            if (_stateOwner is not null && !ReferenceEquals(owner, _stateOwner)) PullOptimizerState(_stateOwner);
            if (_state.Length != host.Length)
            {
                foreach (var b in _state) b.Dispose();
                _state = new DeviceBuffer<float>[host.Length];
                for (int i = 0; i < host.Length; i++) _state[i] = Backend.Allocate<float>(ParameterCount);
                _stateViews = Array.ConvertAll(_state, b => b.View);
            }
            for (int i = 0; i < host.Length; i++) Backend.Upload<float>(host[i], _state[i]);
            _stateOwner = owner;
        }
        _stateHost = host;
        _stateDeviceAhead = true;
        _parameters = Residency.DeviceAhead;

        DeviceView<float> mask = default;
        if (decayMask is not null)
        {
            if (!ReferenceEquals(decayMask, _maskSource))
            {
                if (decayMask.Length != ParameterCount) throw new ArgumentException($"The decay mask has {decayMask.Length} entries for {ParameterCount} parameters.", nameof(decayMask));
                _mask ??= Backend.Allocate<float>(ParameterCount);
                Backend.Upload<float>(decayMask, _mask);
                _maskSource = decayMask;
            }
            mask = _mask!;
        }
        return new OptimizerViews(Backend, Parameters, Gradients, _stateViews, mask);   // allocates nothing per step
    }

    /// <summary>Brings <paramref name="owner"/>'s state blocks down into its host arrays when the device holds newer ones
    /// (before a checkpoint, a host step, or when another optimizer takes the device).</summary>
    public void PullOptimizerState(object owner)
    {
        if (!ReferenceEquals(owner, _stateOwner) || !_stateDeviceAhead || _stateHost is null || _disposed) return;
        for (int i = 0; i < _state.Length; i++) Backend.Download<float>(_state[i], _stateHost[i]);
        _stateDeviceAhead = false;
    }

    /// <summary>Forgets <paramref name="owner"/>'s device copy (after a reset or an import on the host).</summary>
    public void ForgetOptimizerState(object owner)
    {
        if (ReferenceEquals(owner, _stateOwner)) { _stateOwner = null; _stateDeviceAhead = false; }
    }

    // ---- lifetime ----

    /// <summary>Frees the per-sample buffers of the derived workspace.</summary>
    protected abstract void DisposeWorkspace();

    /// <summary>Brings every block that is newer on the device down to the host (parameters, gradients, optimizer state),
    /// detaches the named views and frees the device memory. The backend itself stays open.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        BeforeHostAccess(gradients: false);
        BeforeHostAccess(gradients: true);
        BeforeBufferAccess();
        if (_stateOwner is not null) PullOptimizerState(_stateOwner);
        _disposed = true;
        foreach (var t in _tensors) t.AttachHostAccess(null);
        foreach (var t in _bufferTensors) t.AttachHostAccess(null);
        Buffers.Buffer?.Dispose();
        DisposeWorkspace();
        foreach (var b in _state) b.Dispose();
        _mask?.Dispose();
        Parameters.Dispose();
        Gradients.Dispose();
        GC.SuppressFinalize(this);
    }

    private void OnDevice(bool gradients)
    {
        CheckNotDisposed();
        ref Residency where = ref gradients ? ref _gradients : ref _parameters;
        if (where != Residency.HostAhead) return;
        Backend.Upload<float>(gradients ? _hostGradients : _hostParameters, gradients ? Gradients : Parameters);
        where = Residency.InSync;
    }

    private void BuffersOnDevice()
    {
        if (_buffers != Residency.HostAhead || _hostBuffers.Length == 0) return;
        Backend.Upload<float>(_hostBuffers, Buffers);
        _buffers = Residency.InSync;
    }

    private void CheckNotDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

/// <summary>What an optimizer update on a device works on.</summary>
/// <param name="Backend">The device.</param>
/// <param name="Parameters">The parameter block.</param>
/// <param name="Gradients">The gradient block.</param>
/// <param name="State">The optimizer's state blocks, in <see cref="Optimizers.Optimizer.StateNames"/> order.</param>
/// <param name="DecayMask">The 0/1 weight-decay mask, or empty to decay everything.</param>
public readonly record struct OptimizerViews(IDeviceBackend Backend, DeviceView<float> Parameters, DeviceView<float> Gradients, DeviceView<float>[] State, DeviceView<float> DecayMask);

/// <summary>A block's Σ x² and whether every element is finite (NaN and ±∞ are not), as one reduction computes them.</summary>
/// <param name="SumOfSquares">Σ x² (+∞ or NaN when an element is not finite).</param>
/// <param name="AllFinite">Whether every element is finite.</param>
public readonly record struct BlockStatistics(double SumOfSquares, bool AllFinite)
{
    /// <summary>The L2 norm, √Σ x².</summary>
    public double Norm => Math.Sqrt(SumOfSquares);
}
