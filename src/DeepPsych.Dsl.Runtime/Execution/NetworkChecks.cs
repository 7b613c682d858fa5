using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Execution;

/// <summary>Argument checks and small helpers the generated networks call. Messages name the network, the call,
/// the sizes that were passed and the sizes that were expected.</summary>
public static class NetworkChecks
{
    /// <summary>Checks an inference call's spans against the batch size.</summary>
    public static void Inference(string network, int batch, int inputLength, int inputPerSample, int outputLength, int outputPerSample)
    {
        Batch(network, "Forward", batch);
        if (inputLength != batch * inputPerSample)
            throw new ArgumentException($"{network}.Forward: input holds {inputLength} floats but batch {batch} needs {batch} x {inputPerSample} = {(long)batch * inputPerSample}.", "input");
        if (outputLength < batch * outputPerSample)
            throw new ArgumentException($"{network}.Forward: output holds {outputLength} floats but batch {batch} needs {batch} x {outputPerSample} = {(long)batch * outputPerSample}.", "output");
    }

    /// <summary>Checks a training call's spans against the batch size.</summary>
    public static void Training(string network, int batch, int inputLength, int inputPerSample, int targetLength, int targetPerSample, string targetName, int outputLength, int outputPerSample)
    {
        Batch(network, "ComputeGradients", batch);
        if (inputLength != batch * inputPerSample)
            throw new ArgumentException($"{network}.ComputeGradients: input holds {inputLength} floats but batch {batch} needs {batch} x {inputPerSample} = {(long)batch * inputPerSample}.", "input");
        if (targetLength != batch * targetPerSample)
            throw new ArgumentException($"{network}.ComputeGradients: {targetName} holds {targetLength} values but batch {batch} needs {batch} x {targetPerSample} = {(long)batch * targetPerSample}.", targetName);
        if (outputLength != 0 && outputLength < batch * outputPerSample)
            throw new ArgumentException($"{network}.ComputeGradients: outputs holds {outputLength} floats but batch {batch} needs {(long)batch * outputPerSample} (or pass none).", "outputs");
    }

    /// <summary>A training call's batch against a batch-normalisation layer: the batch statistics need more than one value
    /// per channel (batch × positions ≥ 2), as PyTorch requires.</summary>
    public static void BatchStatistics(string network, string layer, string kind, int batch, int positions)
    {
        if ((long)batch * positions < 2)
            throw new ArgumentException($"{network}.ComputeGradients: {layer} ({kind}) normalises with the batch's statistics and needs more than one value per channel, " +
                $"got batch {batch} x {positions} position{(positions == 1 ? "" : "s")}; train with a batch of at least 2 (PyTorch refuses it too), or call Forward for inference.", nameof(batch));
    }

    private static void Batch(string network, string call, int batch)
    {
        if (batch <= 0)
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{network}.{call}: batch must be at least 1.");
    }

    /// <summary>The error for calling the training overload that does not match the declared loss.</summary>
    public static InvalidOperationException WrongTargets(string network, string loss, string expected, int outputsPerSample)
        => new($"{network} was declared with Loss = {loss}: call ComputeGradients with {expected} ({(expected.StartsWith("int", StringComparison.Ordinal) ? 1 : outputsPerSample)} per sample).");

    /// <summary>dst += src, vectorized (used to reduce per-shard gradients).</summary>
    public static void AddInto(Span<float> dst, ReadOnlySpan<float> src)
    {
        if (src.Length < dst.Length) throw new ArgumentException($"AddInto: source holds {src.Length} floats, destination {dst.Length}.");
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= dst.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.Create(dst.Slice(i)) + Vector512.Create(src.Slice(i))).CopyTo(dst.Slice(i));
        else if (Vector256.IsHardwareAccelerated)
            for (; i <= dst.Length - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.Create(dst.Slice(i)) + Vector256.Create(src.Slice(i))).CopyTo(dst.Slice(i));
        else
            for (; i <= dst.Length - Vector128<float>.Count; i += Vector128<float>.Count)
                (Vector128.Create(dst.Slice(i)) + Vector128.Create(src.Slice(i))).CopyTo(dst.Slice(i));
        for (; i < dst.Length; i++) dst[i] += src[i];
    }

    /// <summary>Whether every value is finite (no NaN, no ±∞).</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
