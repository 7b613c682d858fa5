using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Distributed.Mpi;

/// <summary>Open MPI (Debian's <c>openmpi-bin</c>, <c>libopenmpi-dev</c>): <c>libmpi.so.40</c>, handles are the
/// addresses of the exported predefined objects (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>).</summary>
public sealed class OpenMpiFlavour : IMpiFlavour
{
    /// <summary>The one instance.</summary>
    public static readonly OpenMpiFlavour Instance = new();

    private OpenMpiFlavour() { }

    /// <inheritdoc/>
    public string Name => "Open MPI";

    /// <inheritdoc/>
    public IReadOnlyList<string> LibraryNames { get; } = ["libmpi.so.40", "libmpi.so", "libmpi.40.dylib", "libmpi.dylib"];

    /// <inheritdoc/>
    public string InstallHint => "install Open MPI: sudo apt-get install -y openmpi-bin libopenmpi-dev";

    /// <inheritdoc/>
    public bool LaunchedByLauncher(Func<string, string?> environment) =>
        environment("OMPI_COMM_WORLD_SIZE") is not null;

    /// <inheritdoc/>
    public int? LocalSize(Func<string, string?> environment) =>
        int.TryParse(environment("OMPI_COMM_WORLD_LOCAL_SIZE"), out int n) && n > 0 ? n : null;

    /// <inheritdoc/>
    public MpiHandles ResolveHandles(nint library) => new(
        CommWorld: Export(library, "ompi_mpi_comm_world"),
        Float: Export(library, "ompi_mpi_float"),
        Double: Export(library, "ompi_mpi_double"),
        Long: Export(library, "ompi_mpi_long_long_int"),
        Byte: Export(library, "ompi_mpi_byte"),
        OpSum: Export(library, "ompi_mpi_op_sum"),
        OpMax: Export(library, "ompi_mpi_op_max"),
        InPlace: 1,
        StatusIgnore: 0);

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address) ? address
            : throw new DistributedException($"The loaded MPI library has no symbol '{name}': it is not Open MPI (or a version this binding does not know).");
}
