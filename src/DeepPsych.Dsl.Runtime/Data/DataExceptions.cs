namespace DeepPsych.Dsl.Data;

/// <summary>A data file exists but its contents are not what the reader expects: a wrong magic number, a truncated
/// or over-long file, an unsupported element type, or images and labels that do not pair up.
/// The message names the file and both the expected and the actual value.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public DataFormatException(string message, string? path = null, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file (or stream name) that failed validation, when known.</summary>
    public string? Path { get; }
}

/// <summary>A data set file is missing. The message says where it was looked for and how to install it.</summary>
public sealed class DatasetNotFoundException : FileNotFoundException
{
    /// <summary>Creates the exception for the missing <paramref name="path"/>.</summary>
    public DatasetNotFoundException(string message, string path) : base(message, path) { }
}
