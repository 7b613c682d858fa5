using System.Globalization;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Checkpoints;

/// <summary>What <see cref="Checkpoint.Load"/> found in a file.</summary>
/// <param name="Path">The weights file.</param>
/// <param name="NetworkName">The network class that wrote it, or null for a foreign (e.g. PyTorch) file.</param>
/// <param name="ArchitectureHash">The architecture hash stored in it, or null for a foreign file.</param>
/// <param name="NetworkStep">The network's <see cref="INeuralNetwork.Step"/> when saved, or null.</param>
/// <param name="OptimizerStateLoaded">Whether optimizer state was restored (from <paramref name="OptimizerPath"/>).</param>
/// <param name="Metadata">All metadata entries of the weights file.</param>
/// <param name="OptimizerPath">The optimizer state file that was read, or null.</param>
public sealed record CheckpointInfo(string Path, string? NetworkName, string? ArchitectureHash, long? NetworkStep,
    bool OptimizerStateLoaded, IReadOnlyDictionary<string, string> Metadata, string? OptimizerPath = null);

/// <summary>Saves and loads a network's parameters as safetensors, with the PyTorch tensor names and layouts of
/// <see cref="INeuralNetwork.ParameterTensors"/>, so a file moves between this project and PyTorch
/// (<c>model.load_state_dict(safetensors.torch.load_file(path))</c>, strict). An optimizer's state goes to a file of its
/// own beside it (<see cref="OptimizerPath"/>), as PyTorch keeps the model's and the optimizer's <c>state_dict</c>s apart.</summary>
/// <remarks>
/// <para>Weights file metadata: <c>format</c> = <c>pt</c>, <see cref="ArchitectureHashKey"/>, <see cref="NetworkKey"/>,
/// <see cref="StepKey"/>, and the caller's own entries.</para>
/// <para>Optimizer file: the same three network entries (so a pair that does not belong together is refused),
/// <c>optimizer.kind</c>, <c>optimizer.step</c> and one <c>optimizer.&lt;hyper-parameter&gt;</c> entry per hyper-parameter
/// (invariant round-trip text); its tensors are the state blocks split per parameter tensor and named
/// <c>&lt;state&gt;.&lt;tensor&gt;</c>, e.g. <c>momentum_buffer.C1.weight</c> or <c>exp_avg.F5.bias</c>.</para>
/// <para>Loading reads and validates everything — header, shapes, metadata values, optimizer hyper-parameters — before it
/// writes a single value, so a failed load leaves the network and the optimizer untouched.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>Metadata key of <see cref="INeuralNetwork.ArchitectureHash"/>.</summary>
    public const string ArchitectureHashKey = "deeppsych.architecture_hash";
    /// <summary>Metadata key of <see cref="INeuralNetwork.Name"/>.</summary>
    public const string NetworkKey = "deeppsych.network";
    /// <summary>Metadata key of <see cref="INeuralNetwork.Step"/>.</summary>
    public const string StepKey = "deeppsych.step";
    /// <summary>Prefix of the optimizer's metadata in its state file.</summary>
    public const string OptimizerPrefix = "optimizer.";

    private const string OptimizerKindKey = OptimizerPrefix + "kind";
    private const string OptimizerStepKey = OptimizerPrefix + "step";

    /// <summary>Where <see cref="Save"/> puts the optimizer state for the weights file <paramref name="path"/>:
    /// <c>run/lenet5.safetensors</c> → <c>run/lenet5.optimizer.safetensors</c>.</summary>
    public static string OptimizerPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string stem = path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? path[..^".safetensors".Length] : path;
        return stem + ".optimizer.safetensors";
    }

    /// <summary>Writes <paramref name="network"/>'s parameters to <paramref name="path"/> and, when
    /// <paramref name="optimizer"/> is given, its state to <see cref="OptimizerPath"/>(<paramref name="path"/>); each file
    /// atomically and verified before it replaces the old one.</summary>
    /// <param name="network">The network to save.</param>
    /// <param name="path">Target file, conventionally <c>*.safetensors</c>. It holds exactly the network's tensors.</param>
    /// <param name="optimizer">An optimizer whose state should be saved so that training can resume.</param>
    /// <param name="overwrite">Replace existing files.</param>
    /// <param name="metadata">Extra string metadata for the weights file (e.g. epoch, accuracy); keys starting with
    /// <c>deeppsych.</c> or <c>optimizer.</c> are reserved.</param>
    /// <exception cref="CheckpointException">A file exists and <paramref name="overwrite"/> is false, a metadata key is
    /// reserved, or a file could not be written or verified (the file it would have replaced is then unchanged).</exception>
    public static void Save(INeuralNetwork network, string path, Optimizer? optimizer = null, bool overwrite = false,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        string full = SafeTensors.FullPath(path);
        string? optimizerFull = optimizer is null ? null : SafeTensors.FullPath(OptimizerPath(path));
        if (!overwrite)
            foreach (string? file in new[] { full, optimizerFull })
                if (file is not null && File.Exists(file))
                    throw new CheckpointException($"'{file}' already exists; pass overwrite: true to replace it.", file);

        var meta = NetworkMetadata(network);
        if (metadata is not null)
            foreach (var (k, v) in metadata)
            {
                if (k.StartsWith("deeppsych.", StringComparison.Ordinal) || k.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                    throw new CheckpointException($"Cannot save '{full}': metadata key '{k}' is reserved (keys starting with 'deeppsych.' or '{OptimizerPrefix}' are written by the library).", full);
                meta[k] = v;
            }

        var parameters = network.Parameters;
        var tensors = new List<SafeTensor>();
        foreach (var p in network.ParameterTensors)
            tensors.Add(new SafeTensor(p.Name, [.. p.Shape], parameters.AsMemory(p.Offset, p.Length)));

        // The optimizer file first: if the weights then fail, the pair's steps disagree and Load says so.
        if (optimizer is not null) SaveOptimizer(network, optimizer, optimizerFull!);
        SafeTensors.Write(full, tensors, meta, overwrite: true);
    }

    private static Dictionary<string, string> NetworkMetadata(INeuralNetwork network) => new(StringComparer.Ordinal)
    {
        ["format"] = "pt",
        [ArchitectureHashKey] = network.ArchitectureHash,
        [NetworkKey] = network.Name,
        [StepKey] = network.Step.ToString(CultureInfo.InvariantCulture),
    };

    private static void SaveOptimizer(INeuralNetwork network, Optimizer optimizer, string path)
    {
        var state = optimizer.ExportState();
        var meta = NetworkMetadata(network);
        meta[OptimizerKindKey] = state.Kind;
        meta[OptimizerStepKey] = state.Step.ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in state.Hyperparameters) meta[OptimizerPrefix + k] = v.ToString("R", CultureInfo.InvariantCulture);
        var tensors = new List<SafeTensor>();
        foreach (var (stateName, block) in state.Buffers)
        {
            if (block.Length != network.Parameters.Length)
                throw new CheckpointException($"Cannot save '{path}': optimizer state '{stateName}' covers {block.Length} parameters, {network.Name} has {network.Parameters.Length}.", path);
            foreach (var p in network.ParameterTensors)
                tensors.Add(new SafeTensor($"{stateName}.{p.Name}", [.. p.Shape], block.AsMemory(p.Offset, p.Length)));
        }
        SafeTensors.Write(path, tensors, meta, overwrite: true);
    }

    /// <summary>Loads the parameters in <paramref name="path"/> into <paramref name="network"/> (and, when
    /// <paramref name="optimizer"/> is given, the optimizer state in <see cref="OptimizerPath"/>(<paramref name="path"/>)).</summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="path">The safetensors weights file.</param>
    /// <param name="optimizer">An optimizer to restore; its state file must exist, hold state of the same kind, and
    /// belong to the same architecture and step as the weights.</param>
    /// <param name="requireArchitectureHash">Reject files without an architecture hash (foreign files, e.g. from PyTorch).
    /// A hash that is present must always match.</param>
    /// <param name="strict">Reject tensors the network does not have (as PyTorch's <c>load_state_dict(strict=True)</c>).</param>
    /// <exception cref="CheckpointException">A file is unreadable or corrupt, or does not match the network: another
    /// architecture hash, a missing tensor, a tensor of another shape or dtype, an unexpected tensor, an invalid step or
    /// hyper-parameter, or missing optimizer state. Nothing was changed.</exception>
    public static CheckpointInfo Load(INeuralNetwork network, string path, Optimizer? optimizer = null,
        bool requireArchitectureHash = false, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        float[] weights;
        string full, fullOptimizer;
        string? hash, savedName;
        long? step;
        IReadOnlyDictionary<string, string> meta;
        using (var file = SafeTensors.Open(path))
        {
            full = file.Path;
            meta = file.Metadata;
            hash = meta.GetValueOrDefault(ArchitectureHashKey);
            savedName = meta.GetValueOrDefault(NetworkKey);
            if (hash is null && requireArchitectureHash)
                throw new CheckpointException($"'{full}' has no architecture hash (metadata '{ArchitectureHashKey}'); it was not written by this library. " +
                    $"Pass requireArchitectureHash: false to load it by tensor names and shapes.", full);
            CheckHash(file, network);
            step = ReadStep(file);

            weights = ReadParameters(file, network, p => p.Name, strict ? "Pass strict: false to ignore it." : null,
                name => name.StartsWith(OptimizerPrefix, StringComparison.Ordinal) ? " (Files written before optimizer state moved to its own file hold it here.)" : "");
        }

        OptimizerState? optimizerState = null;
        fullOptimizer = SafeTensors.FullPath(OptimizerPath(path));
        if (optimizer is not null) optimizerState = ReadOptimizerState(fullOptimizer, network, optimizer, step);

        // Everything is read and valid: apply. Only the optimizer's import can still refuse, and it changes nothing when it does.
        if (optimizerState is not null)
        {
            try
            {
                optimizer!.ImportState(optimizerState);
            }
            catch (ArgumentException e)
            {
                throw new CheckpointException($"The optimizer state in '{fullOptimizer}' does not fit {optimizer}: {e.Message}", fullOptimizer, inner: e);
            }
        }
        weights.CopyTo(network.Parameters, 0);
        if (step is { } networkStep) network.Step = networkStep;
        return new CheckpointInfo(full, savedName, hash, step, optimizerState is not null, meta, optimizerState is null ? null : fullOptimizer);
    }

    /// <summary>Loads a plain PyTorch <c>state_dict</c> saved as safetensors (e.g. a torchvision model's, written with
    /// <c>safetensors.torch.save_file(model.state_dict(), path)</c>; no architecture hash) into <paramref name="network"/>,
    /// finding each parameter under its PyTorch name by <see cref="PyTorchNames.ToPyTorch"/>: <c>Features_0.weight</c> is
    /// read from <c>features.0.weight</c>. Strict, as PyTorch's <c>load_state_dict</c>: every parameter must be there with
    /// its shape and no other tensor may be.</summary>
    /// <param name="network">The network to fill; its <see cref="INeuralNetwork.Step"/> is left as it is.</param>
    /// <param name="path">The safetensors file.</param>
    /// <exception cref="CheckpointException">The file is unreadable or corrupt, was written by <see cref="Save"/> (it has
    /// an architecture hash: use <see cref="Load"/>), or does not fit: a missing tensor, a tensor of another shape or
    /// dtype, or a tensor the network does not have, each named with both names. Nothing was changed.</exception>
    public static CheckpointInfo LoadPyTorch(INeuralNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(path);
        using var file = SafeTensors.Open(path);
        if (file.Metadata.ContainsKey(ArchitectureHashKey))
            throw new CheckpointException($"'{file.Path}' was written by Checkpoint.Save (it has an architecture hash) and holds this project's tensor names; load it with Checkpoint.Load.", file.Path);
        float[] weights = ReadParameters(file, network, p => PyTorchNames.ToPyTorch(p.Name),
            $"Our names map to PyTorch's by PyTorchNames (Features_0.weight reads '{PyTorchNames.ToPyTorch("Features_0.weight")}'): declare the layer it belongs to, or remove the tensor.", _ => "");
        weights.CopyTo(network.Parameters, 0);
        return new CheckpointInfo(file.Path, null, null, null, false, file.Metadata);
    }

    /// <summary>Checks that <paramref name="file"/> holds every parameter of <paramref name="network"/> under
    /// <paramref name="keyOf"/> with its shape (and, when <paramref name="extraFix"/> is given, nothing else), then reads
    /// them into a new block laid out as <see cref="INeuralNetwork.Parameters"/>.</summary>
    private static float[] ReadParameters(SafeTensorsFile file, INeuralNetwork network, Func<ParameterTensor, string> keyOf,
        string? extraFix, Func<string, string> extraNote)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in network.ParameterTensors)
        {
            string key = keyOf(p);
            expected.Add(key);
            CheckTensor(file, key, p, "parameter", key == p.Name ? null : $"{network.Name}.{p.Name}");
        }
        if (extraFix is not null)
            foreach (var t in file.Tensors)
                if (!expected.Contains(t.Name))
                    throw new CheckpointException($"'{file.Path}' holds tensor '{t.Name}' {t.ShapeText}, which {network.Name} does not have. {extraFix}{extraNote(t.Name)}",
                        file.Path, t.Name);
        var weights = new float[network.Parameters.Length]; // only now: the file is known to hold this much data
        foreach (var p in network.ParameterTensors) file.ReadFloat32(keyOf(p), weights.AsSpan(p.Offset, p.Length));
        return weights;
    }

    private static void CheckHash(SafeTensorsFile file, INeuralNetwork network)
    {
        string? hash = file.Metadata.GetValueOrDefault(ArchitectureHashKey);
        if (hash is not null && hash != network.ArchitectureHash)
            throw new CheckpointException(
                $"'{file.Path}' was written by {file.Metadata.GetValueOrDefault(NetworkKey) ?? "a network"} with architecture hash {hash}; {network.Name} has architecture hash {network.ArchitectureHash}. " +
                "The layers, options or shapes differ, so the weights do not fit.", file.Path);
    }

    /// <summary>A step count from metadata: absent, or a non-negative integer.</summary>
    private static long? ReadStep(SafeTensorsFile file, string key = StepKey)
    {
        if (!file.Metadata.TryGetValue(key, out var text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            throw new CheckpointException($"'{file.Path}' is corrupt: metadata '{key}' is \"{Shorten(text)}\", expected a step count (an integer from 0 to {long.MaxValue}).", file.Path);
        return value;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    /// <summary>Checks that <paramref name="file"/> holds tensor <paramref name="name"/> as F32 with the shape of
    /// <paramref name="p"/>; throws a <see cref="CheckpointException"/> naming it otherwise.</summary>
    /// <param name="file">The file.</param>
    /// <param name="name">The tensor's name in the file.</param>
    /// <param name="p">The parameter tensor it must fill.</param>
    /// <param name="what">What the tensor is, for messages ("parameter", "optimizer state 'exp_avg'").</param>
    /// <param name="ours">Our name for it when the file names it otherwise (PyTorch names), for messages.</param>
    private static void CheckTensor(SafeTensorsFile file, string name, ParameterTensor p, string what, string? ours = null)
    {
        var info = file.Find(name);
        string shape = SafeTensors.FormatShape(p.Shape);
        string of = ours is null ? "" : $" (for {ours})";
        if (info is null)
            throw new CheckpointException($"'{file.Path}' has no {what} tensor '{name}'{of} (expected shape {shape}).", file.Path, name);
        if (info.DType != "F32")
            throw new CheckpointException($"Tensor '{name}'{of} in '{file.Path}' has dtype {info.DType}, expected F32 (shape {shape}).", file.Path, name);
        bool same = info.Shape.Length == p.Shape.Count;
        for (int i = 0; same && i < info.Shape.Length; i++) same = info.Shape[i] == p.Shape[i];
        if (!same)
            throw new CheckpointException($"Tensor '{name}'{of} in '{file.Path}' has shape {info.ShapeText}, the network expects {shape}.", file.Path, name);
    }

    /// <summary>Reads and validates the optimizer state file; returns the state to import.</summary>
    private static OptimizerState ReadOptimizerState(string path, INeuralNetwork network, Optimizer optimizer, long? weightsStep)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"The optimizer state file '{path}' does not exist (Checkpoint.Save writes it when given an optimizer). Pass optimizer: null to load the weights only.", path);
        using var file = SafeTensors.Open(path);
        var meta = file.Metadata;
        if (!meta.TryGetValue(OptimizerKindKey, out var kind))
            throw new CheckpointException($"'{path}' holds no optimizer state (no '{OptimizerKindKey}' metadata).", path);
        if (kind != optimizer.Kind)
            throw new CheckpointException($"'{path}' holds '{kind}' optimizer state, the optimizer given is '{optimizer.Kind}'.", path);
        CheckHash(file, network);
        long? networkStep = ReadStep(file);
        if (networkStep != weightsStep)
            throw new CheckpointException($"'{path}' holds optimizer state saved at network step {networkStep?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, " +
                $"the weights are from step {weightsStep?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}: the two files do not belong together.", path);
        long step = ReadStep(file, OptimizerStepKey) ?? 0;

        var hyper = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in meta)
        {
            if (!k.StartsWith(OptimizerPrefix, StringComparison.Ordinal) || k == OptimizerKindKey || k == OptimizerStepKey) continue;
            if (!double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                throw new CheckpointException($"'{path}' is corrupt: metadata '{k}' is \"{Shorten(v)}\", expected a finite number.", path);
            hyper[k[OptimizerPrefix.Length..]] = value;
        }

        // Every tensor is <state>.<parameter tensor>, and every state holds all parameter tensors.
        var buffers = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var tensors = network.ParameterTensors;
        var expected = new HashSet<string>(StringComparer.Ordinal);
        if (tensors.Count > 0)
        {
            string suffix = "." + tensors[0].Name;
            foreach (var t in file.Tensors)
            {
                if (!t.Name.EndsWith(suffix, StringComparison.Ordinal) || t.Name.Length == suffix.Length) continue;
                string stateName = t.Name[..^suffix.Length];
                foreach (var p in tensors)
                {
                    string name = $"{stateName}.{p.Name}";
                    expected.Add(name);
                    CheckTensor(file, name, p, $"optimizer state '{stateName}'");
                }
                var block = new float[network.Parameters.Length]; // only now: the file is known to hold this much data
                foreach (var p in tensors) file.ReadFloat32($"{stateName}.{p.Name}", block.AsSpan(p.Offset, p.Length));
                buffers[stateName] = block;
            }
        }
        foreach (var t in file.Tensors)
            if (!expected.Contains(t.Name))
                throw new CheckpointException($"'{path}' holds tensor '{t.Name}' {t.ShapeText}, which is no state block of {network.Name}'s parameters (expected '<state>.<tensor>').", path, t.Name);
        return new OptimizerState(kind, step, hyper, buffers);
    }
}
