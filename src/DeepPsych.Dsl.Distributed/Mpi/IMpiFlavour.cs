namespace DeepPsych.Dsl.Distributed.Mpi;

/// <summary>What differs between MPI implementations at the binary level: which library to load, and how the
/// predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, …) are represented.</summary>
/// <remarks>
/// The C API's functions are the same in every implementation; only the handle representation differs. Open MPI's
/// handles are pointers to exported global structs (<c>&amp;ompi_mpi_comm_world</c>); MPICH's are integer constants
/// (<c>MPI_COMM_WORLD = 0x44000000</c>). Everything MPI-specific outside <see cref="MpiLibrary"/> asks this interface,
/// so adding MPICH is one more implementation (its handles widened to <see cref="nint"/>).
/// </remarks>
public interface IMpiFlavour
{
    /// <summary>A name for messages, e.g. "Open MPI".</summary>
    string Name { get; }

    /// <summary>File names to try with <see cref="System.Runtime.InteropServices.NativeLibrary.TryLoad(string, out nint)"/>, in order.</summary>
    IReadOnlyList<string> LibraryNames { get; }

    /// <summary>How to install the library on Debian/Ubuntu (for the error when it is missing).</summary>
    string InstallHint { get; }

    /// <summary>Whether the current process was started by this implementation's launcher (mpirun / mpiexec).</summary>
    bool LaunchedByLauncher(Func<string, string?> environment);

    /// <summary>Ranks on this node, from the launcher's environment, or null when unknown.</summary>
    int? LocalSize(Func<string, string?> environment);

    /// <summary>Resolves the predefined handles once the library is loaded.</summary>
    MpiHandles ResolveHandles(nint library);

    /// <summary>Tuning parameters this rank sets in its own environment before MPI is initialised, each only when
    /// neither the user nor the launcher set it already (name, value); measured defaults, not requirements.</summary>
    IReadOnlyList<(string Name, string Value)> TuningDefaults { get; }
}

/// <summary>The predefined MPI handles this project uses, widened to <see cref="nint"/>.</summary>
/// <param name="InPlace">MPI_IN_PLACE: <c>(void*)1</c> in Open MPI, <c>(void*)-1</c> in MPICH.</param>
/// <param name="StatusIgnore">MPI_STATUS_IGNORE: <c>(MPI_Status*)0</c> in Open MPI, <c>(MPI_Status*)1</c> in MPICH.</param>
public readonly record struct MpiHandles(nint CommWorld, nint Float, nint Double, nint Long, nint Byte, nint OpSum, nint OpMax, nint InPlace, nint StatusIgnore);
