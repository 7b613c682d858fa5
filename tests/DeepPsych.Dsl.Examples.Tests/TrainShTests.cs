using System.Diagnostics;

namespace DeepPsych.Dsl.Examples.Tests;

/// <summary>examples/LeNet5.FashionMnist/train.sh, run with stand-ins for apt-get and dotnet that record their calls.</summary>
public sealed class TrainShTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-trainsh-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Script()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string path = Path.Combine(d.FullName, "examples", "LeNet5.FashionMnist", "train.sh");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("examples/LeNet5.FashionMnist/train.sh not found above " + AppContext.BaseDirectory);
    }

    private (int Code, string Output) Run(params string[] args)
    {
        string bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        foreach (var tool in new[] { "apt-get", "dotnet" })
        {
            string path = Path.Combine(bin, tool);
            File.WriteAllText(path, $"#!/bin/sh\necho \"$@\" >> '{Path.Combine(_dir, tool + ".calls")}'\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Script());
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        start.Environment["DEEPPSYCH_FASHION_MNIST"] = Path.Combine(_dir, "no-data-here");
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    private string Calls(string tool) => File.Exists(Path.Combine(_dir, tool + ".calls")) ? File.ReadAllText(Path.Combine(_dir, tool + ".calls")) : "";

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_installs_nothing_and_reaches_the_program(string flag)
    {
        var (code, output) = Run(flag);
        Assert.True(code == 0, output);
        Assert.Equal("", Calls("apt-get"));
        Assert.Contains(flag, Calls("dotnet"));
    }

    [Fact]
    public void Another_data_folder_installs_nothing()
    {
        Assert.Equal(0, Run("--data=/somewhere", "--epochs", "1").Code);
        Assert.Equal("", Calls("apt-get"));
    }
}
