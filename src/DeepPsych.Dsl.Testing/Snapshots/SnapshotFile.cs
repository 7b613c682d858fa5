namespace DeepPsych.Dsl.Testing;

/// <summary>The approval workflow shared by every snapshot kind: <c>X.approved.txt</c> is committed, a run that
/// disagrees writes <c>X.received.txt</c> beside it and fails. To approve: copy the received file over the approved
/// one, or rerun with the environment variable <c>DEEPPSYCH_APPROVE=1</c> (which writes the approved file and passes).</summary>
public static class SnapshotFile
{
    /// <summary>The environment variable that turns every snapshot verification into an approval.</summary>
    public const string ApproveVariable = "DEEPPSYCH_APPROVE";

    /// <summary>Whether <see cref="ApproveVariable"/> is set to 1 or true.</summary>
    public static bool ApproveMode => Environment.GetEnvironmentVariable(ApproveVariable) is string v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>The path stem of a snapshot: <paramref name="directory"/> (default: the calling test file's folder) and
    /// <paramref name="name"/> (default: <c>TestFile.TestMethod</c>).</summary>
    public static string Stem(string? directory, string? name, string callerFile, string callerMember)
    {
        directory ??= Path.GetDirectoryName(callerFile);
        if (string.IsNullOrEmpty(directory)) throw new InvalidOperationException("No snapshot directory: pass one in the options (the caller's file path is unknown).");
        name ??= Path.GetFileNameWithoutExtension(callerFile) + "." + callerMember;
        return Path.Combine(directory, name);
    }

    /// <summary>Compares <paramref name="received"/> with the approved file at <c>stem.approved.txt</c> using
    /// <paramref name="compare"/> (null = equal, else a readable diff), running the approval workflow.</summary>
    public static void Verify(string stem, string received, Func<string, string, string?> compare, string what)
    {
        string approvedPath = stem + ".approved.txt", receivedPath = stem + ".received.txt";
        received = Normalize(received);
        if (ApproveMode)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(approvedPath)!);
            File.WriteAllText(approvedPath, received);
            File.Delete(receivedPath);
            return;
        }
        if (!File.Exists(approvedPath))
        {
            File.WriteAllText(receivedPath, received);
            throw new SnapshotMismatchException(
                $"No approved {what} at {approvedPath}.{Environment.NewLine}" +
                $"The received snapshot was written to {receivedPath}.{Environment.NewLine}" + HowToApprove(approvedPath, receivedPath), approvedPath, receivedPath);
        }
        string? diff = compare(Normalize(File.ReadAllText(approvedPath)), received);
        if (diff is null)
        {
            File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, received);
        throw new SnapshotMismatchException(
            diff.TrimEnd() + Environment.NewLine + Environment.NewLine +
            $"approved: {approvedPath}{Environment.NewLine}received: {receivedPath}{Environment.NewLine}" + HowToApprove(approvedPath, receivedPath), approvedPath, receivedPath);
    }

    private static string HowToApprove(string approvedPath, string receivedPath)
        => $"If the change is intended, approve it: cp \"{receivedPath}\" \"{approvedPath}\"  (or rerun the tests with {ApproveVariable}=1).";

    /// <summary>LF line endings, no trailing spaces, one final newline: snapshots do not depend on the platform or editor.</summary>
    internal static string Normalize(string text)
        => string.Join("\n", text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd())).TrimEnd('\n') + "\n";
}
