namespace DeepPsych.Dsl.Training;

/// <summary>The folder a training run writes into (metrics, checkpoints, logs, plots), checked before training starts so
/// that a run never trains for an hour and then fails to save: the folder must be creatable and writable, and an existing,
/// non-empty folder is refused unless overwriting is asked for.</summary>
/// <remarks>Create it only after the other inputs are checked; if the run then fails before writing anything,
/// <see cref="RemoveIfUnused"/> takes away the folder this object created, so a failed run leaves nothing behind.</remarks>
public sealed class RunDirectory
{
    private readonly string? _createdRoot;

    private RunDirectory(string path, string? createdRoot)
    {
        Path = path;
        _createdRoot = createdRoot;
    }

    /// <summary>The folder, as a full path.</summary>
    public string Path { get; }

    /// <summary>Whether this object created the folder (it did not exist before).</summary>
    public bool Created => _createdRoot is not null;

    /// <summary>Creates <paramref name="path"/> if needed and proves it writable by writing and deleting a probe file.</summary>
    /// <param name="path">The folder.</param>
    /// <param name="overwrite">Accept an existing folder that already holds files (they may be replaced).</param>
    /// <param name="overwriteHint">How the caller asks for overwriting, quoted in the message (e.g. <c>pass --overwrite</c>).</param>
    /// <exception cref="RunDirectoryException">The folder is a file, is not empty, cannot be created or is not writable.
    /// Nothing is left behind.</exception>
    public static RunDirectory Prepare(string path, bool overwrite = false, string overwriteHint = "pass overwrite: true")
    {
        string full = Check(path, overwrite, overwriteHint);

        // The highest ancestor that does not exist yet: what to remove again if the folder turns out unusable.
        string? createdRoot = null;
        for (var d = new DirectoryInfo(full); d is not null && !d.Exists; d = d.Parent) createdRoot = d.FullName;
        var run = new RunDirectory(full, createdRoot);
        try
        {
            Directory.CreateDirectory(full);
            string probe = System.IO.Path.Combine(full, $".write-test-{Environment.ProcessId}");
            System.IO.File.WriteAllText(probe, "");
            System.IO.File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            run.RemoveIfUnused();
            throw new RunDirectoryException($"Output folder '{full}' cannot be written: {e.Message} Choose a writable folder for the results.", full, e);
        }
        return run;
    }

    /// <summary>The checks of <see cref="Prepare"/> that need no writing (a file in the way, results that would be
    /// overwritten), for a caller that wants to fail fast before loading data; creates nothing. Returns the full path.</summary>
    /// <exception cref="RunDirectoryException">The folder is a file, or not empty without <paramref name="overwrite"/>.</exception>
    public static string Check(string path, bool overwrite = false, string overwriteHint = "pass overwrite: true")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = System.IO.Path.GetFullPath(path);
        if (System.IO.File.Exists(full))
            throw new RunDirectoryException($"Output folder '{full}' is a file. Choose a folder for the results.", full);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !overwrite)
            throw new RunDirectoryException($"Output folder '{full}' is not empty; {overwriteHint} to replace its files, or choose another folder.", full);
        return full;
    }

    /// <summary>The full path of <paramref name="fileName"/> in the folder.</summary>
    public string File(string fileName) => System.IO.Path.Combine(Path, fileName);

    /// <summary>Removes the folder (and the parents <see cref="Prepare"/> created) if this object created it and it is still
    /// empty. Returns whether it removed anything.</summary>
    public bool RemoveIfUnused()
    {
        if (_createdRoot is null) return false;
        try
        {
            for (var d = new DirectoryInfo(Path); d is not null && d.FullName.Length >= _createdRoot.Length; d = d.Parent)
            {
                if (!d.Exists) continue;
                if (d.EnumerateFileSystemInfos().Any()) return false;
                d.Delete();
            }
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file and a rename, so a crash
    /// mid-write never leaves a truncated file.</summary>
    public static void WriteAllTextAtomically(string path, string text)
    {
        string full = System.IO.Path.GetFullPath(path);
        string temp = full + ".tmp";
        System.IO.File.WriteAllText(temp, text);
        System.IO.File.Move(temp, full, overwrite: true);
    }

    /// <inheritdoc/>
    public override string ToString() => Path;
}

/// <summary>A run's output folder cannot be used. The message names the folder, the reason and the fix.</summary>
public sealed class RunDirectoryException : IOException
{
    /// <summary>Creates the exception.</summary>
    public RunDirectoryException(string message, string path, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The folder.</summary>
    public string Path { get; }
}
