using System.Diagnostics;
using System.Text;

namespace DeepPsych.Dsl.Packaging.Tests;

/// <summary>Runs the dotnet CLI as a user would, outside the repository: a clean environment (no MSBuild variables
/// inherited from the test host, no node reuse so nothing lingers), output captured for the assertion messages.</summary>
public static class DotnetCli
{
    /// <summary>The dotnet executable running these tests (or the first on PATH); null when there is none.</summary>
    public static string? Executable { get; } = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public sealed record Result(int ExitCode, string Output, TimeSpan Elapsed, string CommandLine)
    {
        public override string ToString() => $"$ {CommandLine}  (exit {ExitCode}, {Elapsed.TotalSeconds:F1} s){Environment.NewLine}{Output}";
    }

    public static Result Run(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
        => Start(Executable ?? throw new InvalidOperationException("dotnet was not found"), workingDirectory, environment, arguments);

    /// <summary>Runs another program (a published binary) the same way.</summary>
    public static Result RunProgram(string program, string workingDirectory, params string[] arguments)
        => Start(program, workingDirectory, null, arguments);

    private static Result Start(string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        foreach (var key in info.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key is "DOTNET_HOST_PATH" or "DOTNET_CLI_HOME")
                info.Environment.Remove(key);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["DOTNET_GENERATE_ASPNET_CERTIFICATE"] = "false";
        if (environment is not null)
            foreach (var (k, v) in environment) info.Environment[k] = v;

        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var limit = TimeSpan.FromMinutes(15);   // a NativeAOT publish on two busy cores takes minutes
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish in {limit.TotalMinutes} minutes:{Environment.NewLine}{output}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, output.ToString(), clock.Elapsed, $"{Path.GetFileName(program)} {string.Join(' ', arguments)}");
    }
}
