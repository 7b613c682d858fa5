using System.Diagnostics;
using System.Text.Json;

namespace DeepPsych.Dsl.Examples.Tests;

/// <summary>The main job under Open MPI (issue #16): two ranks on loopback train the tiny data set; rank 0 alone writes
/// the run folder, the replicas are proven identical after every epoch, and the result is one process's.</summary>
[Collection(nameof(JobFixture))]
public sealed class DataParallelJobTests(JobFixture job)
{
    internal static readonly string? Mpirun = Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    private static readonly string Lenet5 = Path.Combine(AppContext.BaseDirectory, "lenet5.dll");

    [MpirunFact]
    public void Two_ranks_train_like_one_process_and_only_rank_0_writes()
    {
        string two = Path.Combine(job.Scratch, "mpi-two"), one = Path.Combine(job.Scratch, "mpi-one");
        string[] common = ["--data", job.Data, "--epochs", "2", "--plain", "--schedule", "constant", "--lr", "0.01"];

        var (code, output) = Start(Mpirun!, ["--allow-run-as-root", "--oversubscribe", "-np", "2", "--mca", "btl", "self,vader,tcp",
            "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo", "dotnet", Lenet5, .. common, "--threads", "1", "--output", two]);
        Assert.True(code == 0, output);
        Assert.Contains("ranks:     2 (Open MPI", output);
        Assert.Contains("epoch 1: the 2 replicas are identical", output);
        Assert.Contains("epoch 2: the 2 replicas are identical", output);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(output, "Test accuracy after 2 epochs"));   // rank 0 alone reports

        // One process with the same total threads sees the same global batches in the same order.
        (code, output) = Start("dotnet", [Lenet5, .. common, "--threads", "2", "--output", one]);
        Assert.True(code == 0, output);
        double lossTwo = TestLoss(two), lossOne = TestLoss(one);
        Assert.True(Math.Abs(lossTwo - lossOne) <= 1e-4 * Math.Abs(lossOne), $"test loss: 2 ranks {lossTwo}, 1 process {lossOne}");
    }

    private static double TestLoss(string run)
    {
        using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "metrics.json")));
        return metrics.RootElement.GetProperty("test").GetProperty("loss").GetDouble();
    }

    private static (int Code, string Output) Start(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(180))) { process.Kill(entireProcessTree: true); throw new TimeoutException($"{file} did not finish in 180 s"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A fact that needs Open MPI's mpirun; skipped with the install command when it is missing.</summary>
public sealed class MpirunFactAttribute : FactAttribute
{
    public MpirunFactAttribute()
    {
        if (DataParallelJobTests.Mpirun is null) Skip = "mpirun not found: sudo apt-get install -y openmpi-bin libopenmpi-dev (tests/run.sh installs it as root)";
    }
}
