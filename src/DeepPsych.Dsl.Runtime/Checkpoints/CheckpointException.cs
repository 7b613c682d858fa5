namespace DeepPsych.Dsl.Checkpoints;

/// <summary>A checkpoint could not be written, read or applied: the file is truncated or corrupted, holds the wrong
/// dtype, misses a tensor, holds a tensor of another shape, belongs to another architecture, or would be overwritten.
/// The message names the file and, where one is involved, the tensor and both shapes or both hashes.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, string path, string? tensorName = null, Exception? inner = null) : base(message, inner)
    {
        Path = path;
        TensorName = tensorName;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
    /// <summary>The tensor involved, when the problem concerns one.</summary>
    public string? TensorName { get; }
}
