using DeepPsych.Dsl.Distributed.DataParallel;
using DeepPsych.Dsl.Distributed.Mpi;

namespace DeepPsych.Dsl.Distributed.Tests;

public sealed class BindingTests
{
    private sealed class MissingFlavour : IMpiFlavour
    {
        public string Name => "Test MPI";
        public IReadOnlyList<string> LibraryNames => ["libdeeppsych-no-such-mpi.so.99"];
        public string InstallHint => "install it with: apt-get install test-mpi";
        public bool LaunchedByLauncher(Func<string, string?> environment) => true;
        public int? LocalSize(Func<string, string?> environment) => 2;
        public MpiHandles ResolveHandles(nint library) => throw new InvalidOperationException("never reached");
        public IReadOnlyList<(string Name, string Value)> TuningDefaults => [];
    }

    [Fact]
    public void A_missing_mpi_library_is_a_clear_error_with_the_install_command()
    {
        var e = Assert.Throws<DistributedException>(() => MpiLibrary.Load(new MissingFlavour()));
        Assert.Contains("started by mpirun", e.Message);
        Assert.Contains("libdeeppsych-no-such-mpi.so.99", e.Message);
        Assert.Contains("apt-get install test-mpi", e.Message);
    }

    [Fact]
    public void Without_mpirun_nothing_is_loaded_and_the_network_is_returned_unchanged()
    {
        Assert.Null(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"));
        Assert.False(DistributedEnvironment.IsLaunched);
        Assert.Null(DistributedEnvironment.World);
        Assert.Equal(0, DistributedEnvironment.Rank);
        Assert.Equal(1, DistributedEnvironment.Size);
        Assert.True(DistributedEnvironment.IsRoot);
    }

    [MpiFact]
    public void The_ranks_take_the_flavours_tuning_defaults_unless_the_launch_line_sets_them()
    {
        var (code, output) = MpiJob.Run(2, "allreduce", "--floats", "1024", "--repeat", "2");
        Assert.True(code == 0, output);
        Assert.Contains("MPI tuning defaults: OMPI_MCA_btl_vader_single_copy_mechanism=none, OMPI_MCA_btl_vader_max_send_size=65536", output);

        (code, output) = MpiJob.Run(2, ["--mca", "btl_vader_single_copy_mechanism", "cma"], "allreduce", "--floats", "1024", "--repeat", "2");
        Assert.True(code == 0, output);
        Assert.Contains("MPI tuning defaults: OMPI_MCA_btl_vader_max_send_size=65536", output);
        Assert.DoesNotContain("single_copy_mechanism=none", output);
    }

    [Theory]
    [InlineData(64, 2)]
    [InlineData(65, 2)]
    [InlineData(7, 3)]
    [InlineData(1, 4)]
    public void Rank_slices_cover_the_global_batch_exactly_once_in_order(int batch, int size)
    {
        int next = 0;
        for (int r = 0; r < size; r++)
        {
            var (start, count) = DataParallelNetwork.Slice(batch, r, size);
            Assert.Equal(next, start);
            Assert.InRange(count, batch / size, batch / size + 1);
            next = start + count;
        }
        Assert.Equal(batch, next);
    }

    [Fact]
    public void The_parameter_hash_sees_every_bit()
    {
        var a = new float[] { 1f, 2f, 3f };
        var b = new float[] { 1f, 2f, BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(3f) ^ 1) };
        Assert.NotEqual(DataParallelNetwork.ParameterHash(a), DataParallelNetwork.ParameterHash(b));
        Assert.Equal(DataParallelNetwork.ParameterHash(a), DataParallelNetwork.ParameterHash([1f, 2f, 3f]));
    }
}
