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
    /// <remarks>
    /// <para>Both concern only the shared-memory transport (vader) between ranks on one machine. By default it moves a
    /// message above 4 KiB with a single copy through the kernel (cross-memory attach, <c>process_vm_readv</c>, one
    /// system call per fragment); in a virtual machine that call is slow. Copying through the shared segment in
    /// fragments of 64 KiB (the default is 32 KiB) instead measured, on the 2-core EPYC VM these figures come from, an
    /// all-reduce of LeNet-5's 61,706 gradient floats between 2 ranks at 31–36 µs instead of 66–71 µs, and was faster from
    /// 16 K to 4 M floats (<c>benchmarks/distributed/run.sh</c>; 11.7 M floats, ResNet-18's block, ran 7 % slower).</para>
    /// <para>A user's own choice wins: <c>mpirun --mca btl_vader_single_copy_mechanism cma …</c> reaches the ranks as
    /// <c>OMPI_MCA_btl_vader_single_copy_mechanism</c>, and a variable that is set is never replaced.</para>
    /// </remarks>
    public IReadOnlyList<(string Name, string Value)> TuningDefaults { get; } =
        [("OMPI_MCA_btl_vader_single_copy_mechanism", "none"), ("OMPI_MCA_btl_vader_max_send_size", "65536")];

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
