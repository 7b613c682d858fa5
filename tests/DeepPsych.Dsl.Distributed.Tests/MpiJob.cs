using System.Diagnostics;
using System.Reflection;

namespace DeepPsych.Dsl.Distributed.Tests;

/// <summary>Runs the ranks program, under mpirun on loopback or as a single process.</summary>
internal static class MpiJob
{
    public static string RanksDll { get; } = Path.GetFullPath(typeof(MpiJob).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RanksDll").Value!.Replace('\\', '/'));

    public static string? Mpirun { get; } = Environment.GetEnvironmentVariable("PATH")?.Split(':')
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>The loopback-only launch line (shared memory between ranks, TCP only on lo for the runtime).</summary>
    public static readonly string[] LoopbackArguments =
        ["--allow-run-as-root", "--oversubscribe", "--mca", "btl", "self,vader,tcp", "--mca", "btl_tcp_if_include", "lo", "--mca", "oob_tcp_if_include", "lo"];

    public static (int ExitCode, string Output) Run(int ranks, params string[] arguments) => Run(ranks, [], arguments);

    /// <summary>As <see cref="Run(int, string[])"/>, with <paramref name="launcherArguments"/> added to mpirun's line.</summary>
    public static (int ExitCode, string Output) Run(int ranks, string[] launcherArguments, params string[] arguments)
    {
        var start = ranks == 0
            ? new ProcessStartInfo("dotnet") { ArgumentList = { RanksDll } }
            : new ProcessStartInfo(Mpirun ?? throw new InvalidOperationException("mpirun not found"));
        if (ranks > 0)
        {
            foreach (var a in LoopbackArguments.Concat(launcherArguments)) start.ArgumentList.Add(a);
            start.ArgumentList.Add("-np");
            start.ArgumentList.Add(ranks.ToString());
            start.ArgumentList.Add("dotnet");
            start.ArgumentList.Add(RanksDll);
        }
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The MPI job did not finish in 120 s: {string.Join(' ', arguments)}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}

/// <summary>A fact that needs Open MPI's mpirun; skipped with the install command when it is missing.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiJob.Mpirun is null) Skip = MissingMpirun;
    }

    internal const string MissingMpirun = "mpirun not found: sudo apt-get install -y openmpi-bin libopenmpi-dev (tests/run.sh installs it as root)";
}

/// <summary>A theory that needs Open MPI's mpirun; skipped with the install command when it is missing.</summary>
public sealed class MpiTheoryAttribute : TheoryAttribute
{
    public MpiTheoryAttribute()
    {
        if (MpiJob.Mpirun is null) Skip = MpiFactAttribute.MissingMpirun;
    }
}
