using DeepPsych.Dsl.Tests.Data;
using Examples.FashionMnist;
using Spectre.Console;

namespace DeepPsych.Dsl.Examples.Tests;

/// <summary>A tiny Fashion-MNIST-shaped data folder (200 training and 50 test images) and a scratch folder for outputs,
/// and a way to run the main job in-process with its console captured.</summary>
public sealed class JobFixture : IDisposable
{
    private readonly IdxTestFiles _data = new();

    public JobFixture()
    {
        _data.WriteSplit("train", 200);
        _data.WriteSplit("t10k", 50);
        Scratch = Directory.CreateTempSubdirectory("deeppsych-job-").FullName;
    }

    public string Data => _data.Root;
    public string Scratch { get; }

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(Scratch, recursive: true);
    }

    /// <summary>Runs the main job on the tiny data with <paramref name="args"/> (plain, non-interactive, 80 columns, 1 thread).</summary>
    public (int Code, string Out, string Error) Run(string[] args, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        output ??= new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 80;
        int code = TrainingJob.Run([.. args, "--data", Data, "--threads", "1"], console, error, cancellationToken);
        return (code, output.ToString()!, error.ToString());
    }
}

[CollectionDefinition(nameof(JobFixture))]
public sealed class JobCollection : ICollectionFixture<JobFixture>;
