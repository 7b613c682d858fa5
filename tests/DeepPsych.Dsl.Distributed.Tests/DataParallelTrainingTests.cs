using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Distributed.Tests;

/// <summary>Two ranks on loopback against one process: the ranks agree bit for bit, and agree with one process that
/// trained on the same global batches up to float summation order.</summary>
public sealed class DataParallelTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Named tolerance: the two runs differ only in how the batch's gradient is summed (two half-batch means
    /// weighted ½ each vs one mean), so after 5 SGD-momentum steps every weight agrees to float rounding, far below this.</summary>
    private const float RelativeTolerance = 1e-4f;

    /// <summary>With the all-reduce overlapped with backward (one bucket; 1,000-float buckets, so that layers straddle
    /// bucket boundaries and buckets start at different layers), without it (after backward), and with a global batch of
    /// one, where rank 0 has no rows and reports nothing while rank 1 reports layer by layer.</summary>
    [MpiTheory]
    [InlineData("1", "4194304", "64")]
    [InlineData("1", "1000", "64")]
    [InlineData("0", "16384", "64")]
    [InlineData("1", "1000", "1")]
    public void Two_ranks_end_bit_identical_and_equal_to_one_process_on_the_same_global_batches(string overlap, string bucket, string batch)
    {
        var (code, output) = MpiJob.Run(2, "train", "--steps", "5", "--batch", batch, "--threads", "1", "--out", Path.Combine(_dir, "two"), "--overlap", overlap, "--bucket", bucket);
        Assert.True(code == 0, output);
        Assert.Contains("ranks 2, parameter hash", output);
        int buckets = 5 * ((61_706 + int.Parse(bucket) - 1) / int.Parse(bucket));   // LeNet-5's gradient floats, 5 steps
        Assert.Contains($"buckets started during backward: {(overlap == "1" && batch != "1" ? buckets : 0)} of {buckets}", output);   // rank 0's count
        var rank0 = Read(Path.Combine(_dir, "two", "rank0.bin"));
        var rank1 = Read(Path.Combine(_dir, "two", "rank1.bin"));
        Assert.Equal(rank0, rank1);   // bit-identical replicas

        (code, output) = MpiJob.Run(0, "train", "--steps", "5", "--batch", batch, "--threads", "1", "--out", Path.Combine(_dir, "one"));
        Assert.True(code == 0, output);
        var single = Read(Path.Combine(_dir, "one", "rank0.bin"));
        Assert.Equal(single.Length, rank0.Length);
        float scale = single.Max(MathF.Abs);
        int worst = 0;
        for (int i = 1; i < single.Length; i++)
            if (MathF.Abs(single[i] - rank0[i]) > MathF.Abs(single[worst] - rank0[worst])) worst = i;
        Assert.True(MathF.Abs(single[worst] - rank0[worst]) <= RelativeTolerance * scale,
            $"parameter {worst}: one process {single[worst]}, two ranks {rank0[worst]} (tolerance {RelativeTolerance * scale})");
        // …and the parameters did move: the comparison is not between two initialisations.
        Assert.True(File.Exists(Path.Combine(_dir, "two", "lenet5.safetensors")));
    }

    [MpiFact]
    public void A_rank_that_fails_ends_the_whole_job_with_its_message_and_no_checkpoint()
    {
        string output = Path.Combine(_dir, "failed");
        var (code, text) = MpiJob.Run(2, "train", "--steps", "5", "--batch", "64", "--threads", "1", "--out", output, "--fail-rank", "1", "--fail-step", "2");
        Assert.NotEqual(0, code);
        Assert.Contains("rank 1 of 2: InvalidOperationException: injected failure at step 2", text);
        Assert.False(File.Exists(Path.Combine(output, "lenet5.safetensors")), "no checkpoint may be written by a failed job");
        Assert.False(File.Exists(Path.Combine(output, "rank0.bin")), "rank 0 must not finish a job whose rank 1 died");
    }

    private static float[] Read(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();
}
