using System.Diagnostics;

namespace DeepPsych.Dsl.Tests.Checkpoints;

/// <summary>A fact that needs PyTorch under <c>/usr/bin/python3</c>; when either is missing the test is skipped and the
/// reason appears in the test output (xunit 2 has no runtime skip, so the attribute decides when tests are discovered).</summary>
public sealed class TorchFactAttribute : FactAttribute
{
    public TorchFactAttribute()
    {
        if (TorchPython.Unavailable is { } reason) Skip = reason;
    }
}

/// <summary>Runs Python scripts with the system interpreter that has PyTorch (<c>apt-get install -y python3-torch</c>).</summary>
internal static class TorchPython
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<string?>> s_probes = new();

    /// <summary>Why PyTorch cannot be used, or null when it can.</summary>
    public static string? Unavailable => UnavailableFor("numpy");

    /// <summary>Why PyTorch and the Python modules <paramref name="modules"/> (comma-separated, e.g. <c>torchvision</c>)
    /// cannot be used, or null when they can. Probed once per list.</summary>
    public static string? UnavailableFor(string modules) => s_probes.GetOrAdd(modules, m => new Lazy<string?>(() => Probe(m))).Value;

    private static string? Probe(string modules)
    {
        if (!File.Exists(Interpreter)) return $"{Interpreter} is not installed (PyTorch interop tests need python3-torch).";
        try
        {
            var (code, _, error) = Execute($"import torch, {modules}; print(torch.__version__)", TimeSpan.FromSeconds(120));
            return code == 0 ? null : $"PyTorch or {modules} is not importable by {Interpreter} (apt-get install -y python3-torch, and python3-{modules.Split(',')[^1].Trim()} where that is a Debian package): {error.Trim().Split('\n').LastOrDefault()}";
        }
        catch (Exception e)
        {
            return $"{Interpreter} could not be started: {e.Message}";
        }
    }

    /// <summary>Runs <paramref name="script"/>, fails the test on a non-zero exit, and returns stdout.</summary>
    public static string Run(string script)
    {
        var (code, output, error) = Execute(script, TimeSpan.FromMinutes(3));
        Assert.True(code == 0, $"python exited with {code}:\n{error}\n{output}");
        return output;
    }

    private static (int Code, string Output, string Error) Execute(string script, TimeSpan timeout)
    {
        string file = Path.Combine(Path.GetTempPath(), $"deeppsych-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, "import torch\ntorch.set_num_threads(1)\n" + script);
        try
        {
            var start = new ProcessStartInfo(Interpreter, [file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.Environment["OPENBLAS_NUM_THREADS"] = "1";
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                process.Kill(entireProcessTree: true);
                return (-1, output.Result, "timed out after " + timeout);
            }
            return (process.ExitCode, output.Result, error.Result);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
