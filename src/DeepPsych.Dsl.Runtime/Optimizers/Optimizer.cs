using System.Globalization;
using DeepPsych.Dsl.Devices;

namespace DeepPsych.Dsl.Optimizers;

/// <summary>Base of the optimizers: one update loop over a network's single parameter block and gradient block
/// (llm.c's <c>gpt2_update</c>), with per-element state held in blocks of the same length.</summary>
/// <remarks>
/// Weight decay applies to every parameter unless <see cref="DecayBiases"/> is false, in which case the optimizer builds,
/// once per network, a 0/1 mask over the block from <see cref="ParameterTensor.IsBias"/>.
/// The learning rate is a plain property: a trainer sets it from an <see cref="ILearningRateSchedule"/> before each step.
/// <para>When the network runs on a device (<see cref="IDeviceTrainable"/>), <see cref="Step(INeuralNetwork)"/> updates it
/// there with the backend's kernel for the same rule; the state blocks then live on the device between steps and come
/// down only for <see cref="ExportState"/>, a host step, another optimizer taking the device, or the network leaving it.</para>
/// </remarks>
public abstract class Optimizer
{
    private float[]? _decayMask;
    private IReadOnlyList<ParameterTensor>? _maskFor;
    private DeviceTrainingState? _stateOn;      // the device whose copy of State may be newer than State
    private bool _stateChangedOnHost = true;    // State is newer than any device copy (fresh, reset, imported, host step)

    /// <summary>Sets the common hyper-parameters.</summary>
    protected Optimizer(float learningRate, float weightDecay)
    {
        RequireAtLeastZero(nameof(learningRate), learningRate, "The learning rate");
        RequireAtLeastZero(nameof(weightDecay), weightDecay, "Weight decay");
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>A short name stored in checkpoints (<c>sgd</c>, <c>adam</c>, <c>adamw</c>).</summary>
    public abstract string Kind { get; }
    /// <summary>The learning rate of the next step.</summary>
    public float LearningRate { get; set; }
    /// <summary>Weight-decay factor λ (coupled L2 for SGD and Adam, decoupled for AdamW).</summary>
    public float WeightDecay { get; set; }
    /// <summary>Whether bias tensors are decayed too (PyTorch's default: true). Set false to exclude them.</summary>
    public bool DecayBiases { get; set; } = true;
    /// <summary>Steps taken so far (PyTorch's <c>state['step']</c>).</summary>
    public long StepCount { get; protected set; }
    /// <summary>Names of the state blocks (PyTorch's per-parameter state keys, e.g. <c>momentum_buffer</c>, <c>exp_avg</c>).</summary>
    public abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>Updates <paramref name="network"/>'s parameters from its accumulated gradients, on the device the network
    /// runs on (nothing moves between host and device) or on the host.</summary>
    public void Step(INeuralNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network is IDeviceTrainable { DeviceState: { } device })
        {
            StepOnDevice(device, network);
            return;
        }
        Step(network.Parameters, network.Gradients, DecayMask(network, network.Parameters.Length));
    }

    private void StepOnDevice(DeviceTrainingState device, INeuralNetwork network)
    {
        if (_stateOn is { } previous && !ReferenceEquals(previous, device)) PullStateFromDevice();
        EnsureState(device.ParameterCount);
        var views = device.BeginUpdate(this, State!, _stateChangedOnHost, DecayMask(network, device.ParameterCount));
        _stateOn = device;
        _stateChangedOnHost = false;
        StepCount++;
        UpdateOnDevice(views);
    }

    /// <summary>The update rule on a device: one backend call over the blocks in <paramref name="views"/> (the same
    /// statements as <see cref="Update"/>). <see cref="StepCount"/> already counts this step.</summary>
    protected abstract void UpdateOnDevice(in OptimizerViews views);

    /// <summary>Makes <see cref="State"/> current when the device holds newer state blocks.</summary>
    private void PullStateFromDevice()
    {
        if (_stateOn is null) return;
        _stateOn.PullOptimizerState(this);
        _stateOn = null;
        _stateChangedOnHost = true;   // the next device step uploads State again
    }

    /// <summary>Updates <paramref name="parameters"/> from <paramref name="gradients"/>; every element is decayed.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => Step(parameters, gradients, default);

    /// <summary>Updates <paramref name="parameters"/> from <paramref name="gradients"/>. <paramref name="decayMask"/>
    /// scales weight decay per element (1 = decay, 0 = don't); empty means decay everything.</summary>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients, ReadOnlySpan<float> decayMask)
    {
        if (parameters.Length != gradients.Length)
            throw new ArgumentException($"{parameters.Length} parameters but {gradients.Length} gradients.", nameof(gradients));
        if (!decayMask.IsEmpty && decayMask.Length != parameters.Length)
            throw new ArgumentException($"The decay mask has {decayMask.Length} entries for {parameters.Length} parameters.", nameof(decayMask));
        PullStateFromDevice();
        EnsureState(parameters.Length);
        StepCount++;
        Update(parameters, gradients, decayMask);
        _stateChangedOnHost = true;
    }

    /// <summary>The update rule: one loop over the block. <see cref="StepCount"/> already counts this step.</summary>
    protected abstract void Update(Span<float> parameters, ReadOnlySpan<float> gradients, ReadOnlySpan<float> decayMask);

    /// <summary>The state blocks in <see cref="StateNames"/> order, or null before the first step.</summary>
    protected abstract float[][]? State { get; set; }

    /// <summary>Writes the hyper-parameters (besides learning rate and weight decay) into <paramref name="into"/>.</summary>
    protected abstract void ExportHyperparameters(IDictionary<string, double> into);

    /// <summary>Restores hyper-parameters written by <see cref="ExportHyperparameters"/>; missing keys keep their values.</summary>
    protected abstract void ImportHyperparameters(IReadOnlyDictionary<string, double> from);

    /// <summary>Forgets the step count and all state, as a freshly constructed optimizer.</summary>
    public void Reset()
    {
        ForgetDeviceState();
        StepCount = 0;
        State = null;
    }

    private void ForgetDeviceState()
    {
        _stateOn?.ForgetOptimizerState(this);
        _stateOn = null;
        _stateChangedOnHost = true;
    }

    /// <summary>A copy of the step count, hyper-parameters and state blocks, for checkpoints.</summary>
    public OptimizerState ExportState()
    {
        _stateOn?.PullOptimizerState(this);
        var hyper = new Dictionary<string, double>
        {
            ["lr"] = LearningRate,
            ["weight_decay"] = WeightDecay,
            ["decay_biases"] = DecayBiases ? 1 : 0,
        };
        ExportHyperparameters(hyper);
        var buffers = new Dictionary<string, float[]>();
        if (State is { } state)
            for (int i = 0; i < StateNames.Count; i++) buffers[StateNames[i]] = (float[])state[i].Clone();
        return new OptimizerState(Kind, StepCount, hyper, buffers);
    }

    /// <summary>Restores what <see cref="ExportState"/> returned (also from another instance of the same kind).
    /// Everything is checked first — the step count, every hyper-parameter against the range its constructor accepts,
    /// every state block — so a state that is refused leaves this optimizer unchanged.</summary>
    /// <exception cref="ArgumentException">The state belongs to another optimizer kind, has a negative step, a hyper-parameter
    /// that is not finite or out of range, or a block that is missing or of the wrong length.</exception>
    public void ImportState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Kind != Kind)
            throw new ArgumentException($"The optimizer state is for '{state.Kind}', this optimizer is '{Kind}'.", nameof(state));
        if (state.Step < 0)
            throw new ArgumentOutOfRangeException(nameof(state), state.Step, $"The '{Kind}' optimizer state has step {state.Step}; a step count is ≥ 0.");
        var hyper = state.Hyperparameters;
        foreach (var (name, value) in hyper)
            if (!double.IsFinite(value))
                throw new ArgumentOutOfRangeException(nameof(state), value, $"Hyper-parameter '{name}' is {value}; it must be a finite number.");
        if (hyper.TryGetValue("lr", out double lr)) RequireAtLeastZero("lr", lr, "The learning rate");
        if (hyper.TryGetValue("weight_decay", out double wd)) RequireAtLeastZero("weight_decay", wd, "Weight decay");
        CheckHyperparameters(hyper);

        // The hyper-parameters decide which state blocks exist (SGD without momentum has none): apply them, then check
        // the blocks, and put the previous values back if a block does not fit.
        float previousLr = LearningRate, previousWd = WeightDecay;
        bool previousDb = DecayBiases;
        var previous = new Dictionary<string, double>();
        ExportHyperparameters(previous);
        if (hyper.TryGetValue("lr", out lr)) LearningRate = (float)lr;
        if (hyper.TryGetValue("weight_decay", out wd)) WeightDecay = (float)wd;
        if (hyper.TryGetValue("decay_biases", out double db)) DecayBiases = db != 0;
        ImportHyperparameters(hyper);
        float[][]? blocks = null;
        try
        {
            if (state.Buffers.Count > 0)
            {
                blocks = new float[StateNames.Count][];
                int length = -1;
                for (int i = 0; i < StateNames.Count; i++)
                {
                    if (!state.Buffers.TryGetValue(StateNames[i], out var buffer))
                        throw new ArgumentException($"The '{Kind}' optimizer state lacks its '{StateNames[i]}' block (has: {string.Join(", ", state.Buffers.Keys)}).", nameof(state));
                    if (length >= 0 && buffer.Length != length)
                        throw new ArgumentException($"State block '{StateNames[i]}' has {buffer.Length} elements, the others {length}.", nameof(state));
                    length = buffer.Length;
                    blocks[i] = (float[])buffer.Clone();
                }
            }
        }
        catch
        {
            LearningRate = previousLr;
            WeightDecay = previousWd;
            DecayBiases = previousDb;
            ImportHyperparameters(previous);
            throw;
        }
        ForgetDeviceState();
        StepCount = state.Step;
        State = blocks;
    }

    /// <summary>Checks the hyper-parameters that <see cref="ImportHyperparameters"/> would restore (missing keys keep the
    /// current values) with the rules the constructor applies; throws <see cref="ArgumentException"/> and changes nothing.</summary>
    protected virtual void CheckHyperparameters(IReadOnlyDictionary<string, double> from) { }

    /// <summary>The range rule "≥ 0", shared by the constructors and <see cref="ImportState"/>.</summary>
    protected static void RequireAtLeastZero(string name, double value, string what)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, value, $"{what} must be ≥ 0.");
    }

    /// <summary>The range rule "in [0, 1)" (decay rates such as Adam's betas), shared by the constructors and <see cref="ImportState"/>.</summary>
    protected static void RequireUnitInterval(string name, double value, string what)
    {
        if (!(value >= 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, $"{what} must lie in [0, 1).");
    }

    private void EnsureState(int length)
    {
        if (State is { } state)
        {
            if (state.Length > 0 && state[0].Length != length)
                throw new ArgumentException($"This optimizer holds state for {state[0].Length} parameters, the step passed {length}. Call Reset() to start over with another network.");
            return;
        }
        var blocks = new float[StateNames.Count][];
        for (int i = 0; i < blocks.Length; i++) blocks[i] = new float[length];
        State = blocks;
    }

    /// <summary>The 0/1 weight-decay mask of <paramref name="network"/> (built once), or null to decay everything.
    /// Reads only the tensor table, never the blocks, so it costs no transfer on a device.</summary>
    private float[]? DecayMask(INeuralNetwork network, int length)
    {
        if (DecayBiases || WeightDecay == 0) return null;
        var tensors = network.ParameterTensors;
        if (_decayMask is null || !ReferenceEquals(_maskFor, tensors) || _decayMask.Length != length)
        {
            var mask = new float[length];
            mask.AsSpan().Fill(1f);
            foreach (var t in tensors)
                if (t.IsBias) mask.AsSpan(t.Offset, t.Length).Clear();
            _decayMask = mask;
            _maskFor = tensors;
        }
        return _decayMask;
    }

    /// <summary>Formats a hyper-parameter for display.</summary>
    protected static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

/// <summary>A snapshot of an optimizer: its kind, step count, hyper-parameters (PyTorch names: <c>lr</c>, <c>momentum</c>,
/// <c>betas</c> as <c>beta1</c>/<c>beta2</c>, <c>eps</c>, <c>weight_decay</c>, …) and per-element state blocks
/// (PyTorch names: <c>momentum_buffer</c>, <c>exp_avg</c>, <c>exp_avg_sq</c>), each as long as the parameter block.</summary>
/// <param name="Kind">The optimizer kind (<see cref="Optimizer.Kind"/>).</param>
/// <param name="Step">Steps taken.</param>
/// <param name="Hyperparameters">Hyper-parameters by name.</param>
/// <param name="Buffers">State blocks by name; empty before the first step.</param>
public sealed record OptimizerState(string Kind, long Step, IReadOnlyDictionary<string, double> Hyperparameters, IReadOnlyDictionary<string, float[]> Buffers);
