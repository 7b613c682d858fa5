using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace DeepPsych.Dsl.Examples.Smoke.Tests;

/// <summary>One run of an example's built program (<c>dotnet examples/P/bin/&lt;config&gt;/net10.0/P.dll args</c>) in a
/// fresh output folder: its exit code, what it printed, and the folder its figures went to.</summary>
public sealed class ExampleRun
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);

    private ExampleRun(string project, int exitCode, string output, string errors, string folder)
        => (Project, ExitCode, Output, Errors, Folder) = (project, exitCode, output, errors, folder);

    /// <summary>The example project's name.</summary>
    public string Project { get; }
    /// <summary>The exit code.</summary>
    public int ExitCode { get; }
    /// <summary>Standard output.</summary>
    public string Output { get; }
    /// <summary>Standard error.</summary>
    public string Errors { get; }
    /// <summary>The <c>--output</c> folder given to the program.</summary>
    public string Folder { get; }

    /// <summary>The repository root (the folder holding DeepPsych.Dsl.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The folder the example's program was built into, for the same configuration as these tests.</summary>
    public static string BuildFolder(string project)
    {
        // These tests run from tests/<this>/bin/<configuration>/<tfm>/; the example builds to examples/<P>/bin/<configuration>/<tfm>/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        return Path.Combine(RepositoryRoot, "examples", project, "bin", here.Parent!.Name, here.Name);
    }

    /// <summary>Runs example <paramref name="project"/> with <paramref name="args"/> and <c>--output</c> a new temporary folder.</summary>
    public static ExampleRun Start(string project, params string[] args)
    {
        string dll = Path.Combine(BuildFolder(project), project + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project's ProjectReference should have built examples/{project}.");
        string folder = Directory.CreateTempSubdirectory($"deeppsych-{project}-").FullName;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (var a in new[] { dll }.Concat(args).Concat(["--output", folder])) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{project} {string.Join(' ', args)} did not finish within {Limit.TotalSeconds} s. Output so far:\n{stdout.Result}");
        }
        return new ExampleRun(project, process.ExitCode, stdout.Result, stderr.Result, folder);
    }

    /// <summary>Asserts exit code 0, showing what the program printed when it is not.</summary>
    public ExampleRun Succeeded()
    {
        Assert.True(ExitCode == 0, $"{Project} exited with {ExitCode}.\nstdout:\n{Output}\nstderr:\n{Errors}");
        return this;
    }

    /// <summary>The numbers captured by group 1.. of the first line matching <paramref name="pattern"/>.</summary>
    public double[] Numbers(string pattern)
    {
        var match = Regex.Match(Output, pattern, RegexOptions.Multiline);
        Assert.True(match.Success, $"{Project} printed no line matching /{pattern}/. Output:\n{Output}");
        return match.Groups.Cast<Group>().Skip(1).Select(g => double.Parse(g.Value, CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Asserts that <paramref name="file"/> in <see cref="Folder"/> is a PNG of at least the given size; returns (width, height).</summary>
    public (int Width, int Height) Png(string file, int minWidth = 300, int minHeight = 200)
    {
        string path = Path.Combine(Folder, file);
        Assert.True(File.Exists(path), $"{Project} did not write {file} (folder has: {string.Join(", ", Directory.GetFiles(Folder).Select(Path.GetFileName))}).");
        var bytes = File.ReadAllBytes(path);
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(bytes.Length > 24 && bytes.AsSpan(0, 8).SequenceEqual(signature) && bytes.AsSpan(12, 4).SequenceEqual("IHDR"u8), $"{path} is not a PNG.");
        int width = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), height = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20));
        Assert.True(width >= minWidth && height >= minHeight, $"{path} is {width}×{height}, expected at least {minWidth}×{minHeight}.");
        return (width, height);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DeepPsych.Dsl.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No DeepPsych.Dsl.sln above {AppContext.BaseDirectory}.");
    }
}
