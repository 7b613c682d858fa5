using System.IO.Compression;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.Packaging.Tests;

/// <summary>The packages as a user meets them: what they hold, a fresh project that references only
/// <c>DeepPsych.Dsl</c> builds and trains, a shape error is the DPD diagnostic, and <c>dotnet new deeppsych-cnn</c>
/// gives a project that builds and whose tests pass. Skips (visibly) only when no dotnet CLI is found.</summary>
public sealed class PackageTests(LocalFeed feed, ITestOutputHelper output) : IClassFixture<LocalFeed>
{
    private void RequirePackages()
    {
        Skip.If(DotnetCli.Executable is null, "the dotnet CLI was not found (DOTNET_HOST_PATH or PATH): cannot pack or build fresh projects");
        foreach (var r in feed.PackResults) output.WriteLine($"$ {r.CommandLine}  ({r.Elapsed.TotalSeconds:F1} s)");
        Assert.True(feed.PackFailure is null, feed.PackFailure);
    }

    private DotnetCli.Result Dotnet(string directory, params string[] args) => Dotnet(directory, null, args);

    private DotnetCli.Result Dotnet(string directory, IReadOnlyDictionary<string, string>? extra, params string[] args)
    {
        var env = new Dictionary<string, string>(feed.ChildEnvironment);
        if (extra is not null) foreach (var (k, v) in extra) env[k] = v;
        var r = DotnetCli.Run(directory, env, args);
        output.WriteLine($"$ {r.CommandLine}  (exit {r.ExitCode}, {r.Elapsed.TotalSeconds:F1} s)");
        return r;
    }

    private static XDocument Nuspec(ZipArchive package)
        => XDocument.Load(package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());

    private static string Meta(XDocument nuspec, string name)
        => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    [SkippableFact]
    public void DeepPsych_Dsl_carries_the_runtime_the_generator_and_its_code_fixes_and_depends_on_the_contract()
    {
        RequirePackages();
        using var package = ZipFile.OpenRead(feed.PackagePath("DeepPsych.Dsl"));
        var files = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("lib/net10.0/DeepPsych.Dsl.Runtime.dll", files);
        Assert.Contains("lib/net10.0/DeepPsych.Dsl.Runtime.xml", files);
        Assert.Contains("analyzers/dotnet/cs/DeepPsych.Dsl.Generators.dll", files);
        Assert.Contains("analyzers/dotnet/cs/DeepPsych.Dsl.CodeFixes.dll", files);
        Assert.Contains("README.md", files);
        Assert.Contains("LICENSE", files);
        var nuspec = Nuspec(package);
        var dependencies = nuspec.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string?)e.Attribute("id")).ToList();
        Assert.Equal(["DeepPsych.Dsl.Abstractions"], dependencies);
        Assert.Equal(feed.Version, Meta(nuspec, "version"));
        Assert.Equal("MIT", Meta(nuspec, "license"));
        Assert.Equal("README.md", Meta(nuspec, "readme"));
        Assert.NotEqual("Package Description", Meta(nuspec, "description"));
        Assert.StartsWith("https://", (string?)nuspec.Descendants().Single(e => e.Name.LocalName == "repository").Attribute("url"));
        Assert.True(File.Exists(feed.PackagePath("DeepPsych.Dsl", ".snupkg")), "no symbol package");
    }

    [SkippableFact]
    public void A_fresh_project_that_references_only_DeepPsych_Dsl_builds_and_trains()
    {
        RequirePackages();
        string app = feed.CopyFixture("FreshApp");
        var build = Dotnet(app, "build", "-c", "Release", $"-p:DeepPsychVersion={feed.Version}");
        Assert.True(build.ExitCode == 0, build.ToString());
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", build.Output);
        var run = Dotnet(app, "run", "-c", "Release", "--no-build");
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.ToString());   // the program exits 1 unless the loss went down
        Assert.Contains("parameters 235", run.Output);    // conv 4·1·3·3 + 4, dense 3·(4·4·4) + 3
    }

    [SkippableFact]
    public void A_shape_error_in_a_fresh_project_is_the_DPD_diagnostic_on_the_attribute()
    {
        RequirePackages();
        string project = feed.CopyFixture("ShapeError");
        var build = Dotnet(project, "build", "-c", "Release", $"-p:DeepPsychVersion={feed.Version}");
        output.WriteLine(build.Output);
        Assert.NotEqual(0, build.ExitCode);
        Assert.Matches(@"TooBigKernel\.cs\(9,6\): error DPD0003: C3: kernel 5x5 .*does not fit the 4x4 input", build.Output);
        // The DPD error alone (MSBuild repeats it in its summary): UseIt.cs compiles against the generated stubs.
        var errors = System.Text.RegularExpressions.Regex.Matches(build.Output, @"\S+\(\d+,\d+\): error \w+").Select(m => m.Value).Distinct().ToList();
        Assert.True(errors.Count == 1, string.Join(Environment.NewLine, errors));
    }

    [SkippableFact]
    public void The_template_makes_a_project_that_builds_and_whose_gradient_tests_pass()
    {
        RequirePackages();
        // A private CLI home: installing the template leaves the user's own template list untouched.
        var home = new Dictionary<string, string> { ["DOTNET_CLI_HOME"] = Path.Combine(feed.Root, "cli-home") };
        var install = Dotnet(feed.Root, home, "new", "install", feed.PackagePath("DeepPsych.Dsl.Templates"));
        Assert.True(install.ExitCode == 0, install.ToString());
        Assert.Contains("deeppsych-cnn", install.Output);
        var create = Dotnet(feed.Root, home, "new", "deeppsych-cnn", "-n", "PackNet");
        Assert.True(create.ExitCode == 0, create.ToString());
        string root = Path.Combine(feed.Root, "PackNet");
        Assert.True(File.Exists(Path.Combine(root, "PackNet", "PackNet.csproj")));
        Assert.Contains($"Version=\"{feed.Version}\"", File.ReadAllText(Path.Combine(root, "PackNet", "PackNet.csproj")));
        var test = Dotnet(root, "test", Path.Combine("PackNet.Tests", "PackNet.Tests.csproj"), "-c", "Release");
        Assert.True(test.ExitCode == 0, test.ToString());
        Assert.Contains("Passed!", test.Output);
        Assert.DoesNotMatch(@"warning [A-Z]+\d+", test.Output);

        // Its training program runs end to end on a tiny Fashion-MNIST-shaped data set (the real one may be absent).
        string data = Path.Combine(feed.Root, "tiny-fashion-mnist"), report = Path.Combine(feed.Root, "report");
        TinyIdx.Write(data, train: 96, test: 32);
        var run = Dotnet(root, "run", "--project", Path.Combine("PackNet", "PackNet.csproj"), "-c", "Release", "--no-build", "--",
            "--epochs", "1", "--data", data, "--output", report);
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"test accuracy \d", run.Output);
        Assert.True(File.Exists(Path.Combine(report, "metrics.json")), run.ToString());
        Assert.True(File.Exists(Path.Combine(report, "fashion-cnn.safetensors")), run.ToString());
    }
}
