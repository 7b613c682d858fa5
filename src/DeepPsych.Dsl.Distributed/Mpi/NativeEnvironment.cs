using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Distributed.Mpi;

/// <summary>The process's C environment, which the MPI library reads when it is initialised. .NET keeps its own copy
/// (<see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach <c>environ</c> on Unix), so a value
/// meant for MPI goes through libc.</summary>
internal static partial class NativeEnvironment
{
    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);

    /// <summary>Sets each variable that is not set yet; returns the ones it set.</summary>
    public static IReadOnlyList<(string Name, string Value)> SetMissing(IEnumerable<(string Name, string Value)> variables)
    {
        if (OperatingSystem.IsWindows()) return [];
        var set = new List<(string, string)>();
        foreach (var (name, value) in variables)
        {
            if (GetEnv(name) != 0) continue;
            if (SetEnv(name, value, overwrite: 0) != 0)
                throw new DistributedException($"Could not set {name}={value} in this process's environment before MPI_Init (setenv failed, errno {Marshal.GetLastPInvokeError()}).");
            set.Add((name, value));
        }
        return set;
    }
}
