using DeepPsych.Dsl.Distributed.Mpi;

namespace DeepPsych.Dsl.Distributed;

/// <summary>Where this process stands in a distributed job. Without a launcher (plain <c>dotnet run</c>) it is rank 0 of
/// 1 and MPI is never loaded; under <c>mpirun</c> it loads the MPI library on first use of <see cref="World"/>.</summary>
public static class DistributedEnvironment
{
    private static readonly Lock Gate = new();
    private static MpiCommunicator? _world;

    /// <summary>The MPI flavour looked for. Open MPI today; MPICH would be a second <see cref="IMpiFlavour"/>.</summary>
    public static IMpiFlavour Flavour { get; set; } = OpenMpiFlavour.Instance;

    /// <summary>Whether this process was started by mpirun (the launcher's environment variables are set).</summary>
    public static bool IsLaunched => Flavour.LaunchedByLauncher(Environment.GetEnvironmentVariable);

    /// <summary>MPI_COMM_WORLD, initialising MPI on first use; null when not launched by mpirun (singleton mode).</summary>
    /// <exception cref="DistributedException">Launched by mpirun but the MPI library is missing or broken.</exception>
    public static MpiCommunicator? World
    {
        get
        {
            if (!IsLaunched) return null;
            lock (Gate) return _world ??= new MpiCommunicator(MpiLibrary.Load(Flavour));
        }
    }

    /// <summary>This process's rank (0 in singleton mode).</summary>
    public static int Rank => World?.Rank ?? 0;
    /// <summary>The number of ranks (1 in singleton mode).</summary>
    public static int Size => World?.Size ?? 1;
    /// <summary>Whether this rank reports, writes files and checkpoints: rank 0.</summary>
    public static bool IsRoot => Rank == 0;

    /// <summary>Threads per rank that share this machine's cores fairly: the processor count divided by the ranks on this
    /// node (at least 1). In singleton mode, the processor count.</summary>
    public static int ThreadsPerRank =>
        Math.Max(1, Environment.ProcessorCount / (IsLaunched ? Flavour.LocalSize(Environment.GetEnvironmentVariable) ?? 1 : 1));
}
