namespace DeepPsych.Dsl;

/// <summary>
/// A network frozen for inference (<c>net.FreezeForInference()</c>): a private copy of its parameters and running
/// statistics at that moment, with every eval-mode BatchNorm that folds exactly folded into the Conv2D or Dense layer
/// before it, so that BatchNorm's pass is skipped. <see cref="Forward"/> gives what the network's own
/// <see cref="INeuralNetwork.Forward"/> gave at freezing time (eval mode), up to float rounding of the folded weights.
/// </summary>
/// <remarks>
/// A snapshot, like <c>torch.jit.freeze</c> or an ONNX Runtime session: training the network, loading a checkpoint or
/// writing <see cref="INeuralNetwork.Parameters"/> afterwards does not reach it (the copy is not reachable from outside),
/// so it cannot go stale silently; freeze again to see the change. It runs on the CPU path and cannot train.
/// </remarks>
public sealed class InferenceSnapshot
{
    private readonly INeuralNetwork _network;

    /// <summary>For generated code: wraps the frozen copy that <c>FreezeForInference</c> built.</summary>
    /// <param name="frozenCopy">The copy, with the folded weights; nothing else may hold it.</param>
    /// <param name="folds">The folds, as "Bn1 into Conv1".</param>
    public InferenceSnapshot(INeuralNetwork frozenCopy, IReadOnlyList<string> folds)
    {
        ArgumentNullException.ThrowIfNull(frozenCopy);
        ArgumentNullException.ThrowIfNull(folds);
        _network = frozenCopy;
        Folds = folds;
    }

    /// <summary>The network's class name.</summary>
    public string Name => _network.Name;
    /// <summary>Shape of one input sample.</summary>
    public IReadOnlyList<int> InputShape => _network.InputShape;
    /// <summary>Shape of one output sample.</summary>
    public IReadOnlyList<int> OutputShape => _network.OutputShape;
    /// <summary>Floats per input sample.</summary>
    public int InputLength => _network.InputLength;
    /// <summary>Floats per output sample.</summary>
    public int OutputLength => _network.OutputLength;
    /// <summary>The BatchNorms folded into the layer before them ("Bn1 into Conv1"); empty when none folds.</summary>
    public IReadOnlyList<string> Folds { get; }

    /// <summary>Threads used to split a batch (starts at the network's setting when frozen).</summary>
    public int Threads { get => _network.Threads; set => _network.Threads = value; }

    /// <summary>Inference, as <see cref="INeuralNetwork.Forward"/> in eval mode: <c>batch × OutputLength</c> raw outputs.</summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => _network.Forward(input, output, batch);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} frozen for inference ({(Folds.Count == 0 ? "no BatchNorm folded" : "folded: " + string.Join(", ", Folds))})";
}
