using System.Globalization;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Checkpoints;

/// <summary>What <see cref="Checkpoint.Load"/> found in a file.</summary>
/// <param name="Path">The file.</param>
/// <param name="NetworkName">The network class that wrote it, or null for a foreign (e.g. PyTorch) file.</param>
/// <param name="ArchitectureHash">The architecture hash stored in it, or null for a foreign file.</param>
/// <param name="NetworkStep">The network's <see cref="INeuralNetwork.Step"/> when saved, or null.</param>
/// <param name="OptimizerStateLoaded">Whether optimizer state was restored.</param>
/// <param name="Metadata">All metadata entries.</param>
public sealed record CheckpointInfo(string Path, string? NetworkName, string? ArchitectureHash, long? NetworkStep,
    bool OptimizerStateLoaded, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Saves and loads a network's parameters (and optionally its optimizer's state) as safetensors, with the
/// PyTorch tensor names and layouts of <see cref="INeuralNetwork.ParameterTensors"/>, so a file moves between this
/// project and PyTorch (<c>model.load_state_dict(safetensors.torch.load_file(path), strict=False)</c>).</summary>
/// <remarks>
/// <para>Metadata: <c>format</c> = <c>pt</c>, <see cref="ArchitectureHashKey"/>, <see cref="NetworkKey"/>,
/// <see cref="StepKey"/>, and with an optimizer <c>optimizer.kind</c>, <c>optimizer.step</c> and one
/// <c>optimizer.&lt;hyper-parameter&gt;</c> entry per hyper-parameter (invariant round-trip text).</para>
/// <para>Optimizer state blocks are split per parameter tensor and stored as tensors named
/// <c>optimizer.&lt;state&gt;.&lt;tensor&gt;</c>, e.g. <c>optimizer.momentum_buffer.C1.weight</c> or <c>optimizer.exp_avg.F5.bias</c>.</para>
/// <para>Loading validates the whole header before it writes a single value, so a failed load leaves the network untouched.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>Metadata key of <see cref="INeuralNetwork.ArchitectureHash"/>.</summary>
    public const string ArchitectureHashKey = "deeppsych.architecture_hash";
    /// <summary>Metadata key of <see cref="INeuralNetwork.Name"/>.</summary>
    public const string NetworkKey = "deeppsych.network";
    /// <summary>Metadata key of <see cref="INeuralNetwork.Step"/>.</summary>
    public const string StepKey = "deeppsych.step";
    /// <summary>Prefix of optimizer tensors and metadata.</summary>
    public const string OptimizerPrefix = "optimizer.";

    private const string OptimizerKindKey = OptimizerPrefix + "kind";
    private const string OptimizerStepKey = OptimizerPrefix + "step";

    /// <summary>Writes <paramref name="network"/>'s parameters (and <paramref name="optimizer"/>'s state when given) to
    /// <paramref name="path"/>, atomically, and verifies the file by reading it back.</summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">Target file, conventionally <c>*.safetensors</c>.</param>
    /// <param name="optimizer">An optimizer whose state should be saved so that training can resume.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <param name="metadata">Extra string metadata (e.g. epoch, accuracy).</param>
    /// <exception cref="CheckpointException">The file exists and <paramref name="overwrite"/> is false, or the write could not be verified.</exception>
    public static void Save(INeuralNetwork network, string path, Optimizer? optimizer = null, bool overwrite = false,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };
        if (metadata is not null) foreach (var (k, v) in metadata) meta[k] = v;
        meta[ArchitectureHashKey] = network.ArchitectureHash;
        meta[NetworkKey] = network.Name;
        meta[StepKey] = network.Step.ToString(CultureInfo.InvariantCulture);

        var parameters = network.Parameters;
        var tensors = new List<SafeTensor>();
        foreach (var p in network.ParameterTensors)
            tensors.Add(new SafeTensor(p.Name, [.. p.Shape], parameters.AsMemory(p.Offset, p.Length)));

        if (optimizer is not null)
        {
            var state = optimizer.ExportState();
            meta[OptimizerKindKey] = state.Kind;
            meta[OptimizerStepKey] = state.Step.ToString(CultureInfo.InvariantCulture);
            foreach (var (k, v) in state.Hyperparameters) meta[OptimizerPrefix + k] = v.ToString("R", CultureInfo.InvariantCulture);
            foreach (var (stateName, block) in state.Buffers)
            {
                if (block.Length != parameters.Length)
                    throw new CheckpointException($"Cannot save '{path}': optimizer state '{stateName}' covers {block.Length} parameters, {network.Name} has {parameters.Length}.", path);
                foreach (var p in network.ParameterTensors)
                    tensors.Add(new SafeTensor($"{OptimizerPrefix}{stateName}.{p.Name}", [.. p.Shape], block.AsMemory(p.Offset, p.Length)));
            }
        }
        SafeTensors.Write(path, tensors, meta, overwrite);
    }

    /// <summary>Loads the parameters in <paramref name="path"/> into <paramref name="network"/> (and the optimizer state
    /// into <paramref name="optimizer"/> when given).</summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="path">The safetensors file.</param>
    /// <param name="optimizer">An optimizer to restore; the file must then hold optimizer state of the same kind.</param>
    /// <param name="requireArchitectureHash">Reject files without an architecture hash (foreign files, e.g. from PyTorch).
    /// A hash that is present must always match.</param>
    /// <param name="strict">Reject tensors the network does not have (as PyTorch's <c>load_state_dict(strict=True)</c>).</param>
    /// <exception cref="CheckpointException">The file is unreadable, or does not match the network: another architecture
    /// hash, a missing tensor, a tensor of another shape or dtype, an unexpected tensor, or missing optimizer state.</exception>
    public static CheckpointInfo Load(INeuralNetwork network, string path, Optimizer? optimizer = null,
        bool requireArchitectureHash = false, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var file = SafeTensors.Open(path);
        string full = file.Path;
        var meta = file.Metadata;

        string? hash = meta.GetValueOrDefault(ArchitectureHashKey);
        string? savedName = meta.GetValueOrDefault(NetworkKey);
        if (hash is null && requireArchitectureHash)
            throw new CheckpointException($"'{full}' has no architecture hash (metadata '{ArchitectureHashKey}'); it was not written by this library. " +
                $"Pass requireArchitectureHash: false to load it by tensor names and shapes.", full);
        if (hash is not null && hash != network.ArchitectureHash)
            throw new CheckpointException(
                $"'{full}' was written by {savedName ?? "a network"} with architecture hash {hash}; {network.Name} has architecture hash {network.ArchitectureHash}. " +
                "The layers, options or shapes differ, so the weights do not fit.", full);

        // Validate every tensor before touching the network.
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in network.ParameterTensors)
        {
            expected.Add(p.Name);
            CheckTensor(file, p.Name, p, "parameter");
        }

        OptimizerState? optimizerState = null;
        if (optimizer is not null) optimizerState = ReadOptimizerHeader(file, network, optimizer, expected);
        if (strict)
        {
            foreach (var t in file.Tensors)
            {
                bool optimizerTensor = t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal);
                if (!expected.Contains(t.Name) && !(optimizer is null && optimizerTensor))
                    throw new CheckpointException(
                        $"'{full}' holds tensor '{t.Name}' {t.ShapeText}, which {network.Name} does not have. Pass strict: false to ignore it.", full, t.Name);
            }
        }

        // Everything fits: read the optimizer state first (its import can still refuse), then the weights.
        if (optimizerState is not null)
        {
            foreach (var (stateName, block) in optimizerState.Buffers)
                foreach (var p in network.ParameterTensors)
                    file.ReadFloat32($"{OptimizerPrefix}{stateName}.{p.Name}", block.AsSpan(p.Offset, p.Length));
            try
            {
                optimizer!.ImportState(optimizerState);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointException($"The optimizer state in '{full}' does not fit {optimizer}: {e.Message}", full, inner: e);
            }
        }
        foreach (var p in network.ParameterTensors) file.ReadFloat32(p.Name, p.Values);

        long? step = meta.TryGetValue(StepKey, out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) ? parsed : null;
        if (step is { } networkStep) network.Step = networkStep;
        return new CheckpointInfo(full, savedName, hash, step, optimizerState is not null, meta);
    }

    private static void CheckTensor(SafeTensorsFile file, string name, ParameterTensor p, string what)
    {
        var info = file.Find(name);
        string shape = SafeTensors.FormatShape(p.Shape);
        if (info is null)
            throw new CheckpointException($"'{file.Path}' has no {what} tensor '{name}' (expected shape {shape}).", file.Path, name);
        if (info.DType != "F32")
            throw new CheckpointException($"Tensor '{name}' in '{file.Path}' has dtype {info.DType}, expected F32 (shape {shape}).", file.Path, name);
        bool same = info.Shape.Length == p.Shape.Count;
        for (int i = 0; same && i < info.Shape.Length; i++) same = info.Shape[i] == p.Shape[i];
        if (!same)
            throw new CheckpointException($"Tensor '{name}' in '{file.Path}' has shape {info.ShapeText}, the network expects {shape}.", file.Path, name);
    }

    private static OptimizerState ReadOptimizerHeader(SafeTensorsFile file, INeuralNetwork network, Optimizer optimizer, HashSet<string> expected)
    {
        var meta = file.Metadata;
        if (!meta.TryGetValue(OptimizerKindKey, out var kind))
            throw new CheckpointException($"'{file.Path}' holds no optimizer state (no '{OptimizerKindKey}' metadata). Pass optimizer: null to load the weights only.", file.Path);
        if (kind != optimizer.Kind)
            throw new CheckpointException($"'{file.Path}' holds '{kind}' optimizer state, the optimizer given is '{optimizer.Kind}'.", file.Path);
        long step = long.Parse(meta.GetValueOrDefault(OptimizerStepKey, "0"), CultureInfo.InvariantCulture);

        var hyper = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in meta)
            if (k.StartsWith(OptimizerPrefix, StringComparison.Ordinal) && k != OptimizerKindKey && k != OptimizerStepKey
                && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                hyper[k[OptimizerPrefix.Length..]] = value;

        // State names are found from the first parameter tensor: optimizer.<state>.<first tensor name>.
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var tensors = network.ParameterTensors;
        if (tensors.Count > 0)
        {
            string suffix = "." + tensors[0].Name;
            foreach (var t in file.Tensors)
            {
                if (!t.Name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || !t.Name.EndsWith(suffix, StringComparison.Ordinal)) continue;
                string stateName = t.Name[OptimizerPrefix.Length..^suffix.Length];
                if (stateName.Length == 0) continue;
                foreach (var p in tensors)
                {
                    string name = $"{OptimizerPrefix}{stateName}.{p.Name}";
                    expected.Add(name);
                    CheckTensor(file, name, p, $"optimizer state '{stateName}'");
                }
                buffers[stateName] = new float[network.Parameters.Length];
            }
        }
        return new OptimizerState(kind, step, hyper, buffers);
    }
}
