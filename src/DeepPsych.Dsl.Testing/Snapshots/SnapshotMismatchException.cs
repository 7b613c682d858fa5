namespace DeepPsych.Dsl.Testing;

/// <summary>Thrown when a snapshot is missing or differs from its approved file. The message holds the readable diff,
/// both paths and the one step that approves the received file.</summary>
public sealed class SnapshotMismatchException(string message, string approvedPath, string receivedPath) : Exception(message)
{
    /// <summary>The approved file (may not exist yet).</summary>
    public string ApprovedPath { get; } = approvedPath;
    /// <summary>The received file written next to it.</summary>
    public string ReceivedPath { get; } = receivedPath;
}
