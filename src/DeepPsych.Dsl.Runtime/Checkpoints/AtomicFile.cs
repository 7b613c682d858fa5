using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Checkpoints;

/// <summary>The pieces of an atomic file replacement that are not specific to safetensors: the temporary file's name,
/// removing temporary files that a killed writer left behind, and flushing the directory after the rename.</summary>
/// <remarks>
/// A writer names its temporary file <c>.&lt;target name&gt;.&lt;guid&gt;.tmp</c> in the target's directory and keeps it
/// open (on Unix that handle holds an advisory <c>flock</c>) until it has been renamed. A temporary file of the same target
/// that nobody holds and that was last written over <see cref="OrphanAge"/> ago belongs to a writer that died; the next
/// write removes it. Both conditions must hold, so a slow writer on a file system without locks (NFS) keeps its file.
/// </remarks>
internal static partial class AtomicFile
{
    /// <summary>How old an unlocked temporary file must be before it counts as orphaned.</summary>
    public static readonly TimeSpan OrphanAge = TimeSpan.FromMinutes(1);

    /// <summary>Lets a test corrupt the temporary file between writing and verifying it; unset everywhere else. Async-local,
    /// so that it affects only the test's own writes, not tests running in parallel.</summary>
    internal static readonly AsyncLocal<Action<FileStream>?> BeforeVerify = new();

    public static string TemporaryPath(string target)
        => Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Deletes this target's orphaned temporary files (see the remarks); files in use or too young stay.</summary>
    public static void RemoveOrphans(string target)
    {
        string directory = Path.GetDirectoryName(target)!;
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(directory, $".{Path.GetFileName(target)}.*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // the write itself will report what is wrong with the directory
        }
        foreach (string file in candidates)
        {
            try
            {
                if (DateTime.UtcNow - File.GetLastWriteTimeUtc(file) < OrphanAge) continue;
                // FileShare.None takes an exclusive lock; it fails while a live writer holds the file.
                using var claim = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // In use by a live writer, or already gone.
            }
        }
    }

    public static void TryDelete(string file)
    {
        try
        {
            if (File.Exists(file)) File.Delete(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The caller reports the failure that matters; an undeletable temporary file is removed by a later write.
        }
    }

    /// <summary>Makes the rename in <paramref name="directory"/> durable (fsync of the directory, as POSIX requires for a
    /// rename to survive a power loss). Windows journals renames itself and has no such call.</summary>
    /// <exception cref="IOException">The directory could not be opened or flushed.</exception>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) return;
        int fd = Native.open(directory, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"open('{directory}') failed: {Marshal.GetLastPInvokeErrorMessage()}");
        try
        {
            if (Native.fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                // EINVAL / ENOTSUP: this file system cannot flush a directory (it has nothing to flush).
                if (errno is not (Native.EINVAL or Native.ENOTSUP_LINUX))
                    throw new IOException($"fsync('{directory}') failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
        }
        finally
        {
            Native.close(fd);
        }
    }

    private static partial class Native
    {
        public const int EINVAL = 22, ENOTSUP_LINUX = 95;

        [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        public static partial int open(string path, int flags);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int fsync(int fd);

        [LibraryImport("libc", SetLastError = true)]
        public static partial int close(int fd);
    }
}
