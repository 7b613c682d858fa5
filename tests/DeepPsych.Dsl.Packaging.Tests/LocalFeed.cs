using System.Reflection;

namespace DeepPsych.Dsl.Packaging.Tests;

/// <summary>Packs the library and template packages (as just built, `dotnet pack --no-build`) into a temporary folder
/// with a version no earlier run used, and writes a NuGet.config beside it that adds that folder to the user's usual
/// feeds. On dispose the folder and this version's entries in the global packages cache are deleted, so a stale
/// cached package can never satisfy a later run and nothing accumulates.</summary>
public sealed class LocalFeed : IDisposable
{
    private static readonly string[] PackageIds = ["DeepPsych.Dsl", "DeepPsych.Dsl.Abstractions", "DeepPsych.Dsl.Testing", "DeepPsych.Dsl.Templates"];

    public string Root { get; }
    public string Feed { get; }
    public string Version { get; }
    /// <summary>The global packages folder the child processes use (NUGET_PACKAGES is set to it, so cleanup knows it).</summary>
    public string GlobalPackages { get; }
    public IReadOnlyList<DotnetCli.Result> PackResults { get; } = [];
    public string? PackFailure { get; }

    public LocalFeed()
    {
        Root = Directory.CreateTempSubdirectory("deeppsych-pack-").FullName;
        Feed = Path.Combine(Root, "feed");
        Directory.CreateDirectory(Feed);
        Version = $"0.0.1-packtest.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        GlobalPackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } g
            ? g : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(Root, "NuGet.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <!-- The packages under test come from this run's local feed; everything else from the user's usual feeds. -->
            <configuration>
              <packageSources>
                <add key="deeppsych-local" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        // Fresh projects live under Root: keep the repository's Directory.Build.* out of their way (they are not
        // under the repository anyway; these files make that explicit for a TMPDIR inside it).
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />");
        if (DotnetCli.Executable is null) return;

        // One MSBuild run packs them all (the PackForPackagingTests target of this test project).
        var meta = typeof(LocalFeed).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value ?? "");
        var r = DotnetCli.Run(Root, ChildEnvironment, "msbuild", meta["ProjectFile"], "-nologo", "-v:m", "-t:PackForPackagingTests",
            $"-p:Configuration={meta["Configuration"]}", $"-p:PackagingTestFeed={Feed}", $"-p:PackagingTestVersion={Version}");
        var results = new List<DotnetCli.Result> { r };
        if (r.ExitCode != 0) PackFailure = r.ToString();
        PackResults = results;
    }

    /// <summary>What every child process gets: the global packages folder made explicit.</summary>
    public IReadOnlyDictionary<string, string> ChildEnvironment => new Dictionary<string, string> { ["NUGET_PACKAGES"] = GlobalPackages };

    public string PackagePath(string id, string extension = ".nupkg") => Path.Combine(Feed, $"{id}.{Version}{extension}");

    /// <summary>Copies a fixture project (from the test output folder) into a fresh folder under <see cref="Root"/>.</summary>
    public string CopyFixture(string name)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        string target = Path.Combine(Root, name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
        return target;
    }

    public void Dispose()
    {
        foreach (var id in PackageIds)
        {
            string cached = Path.Combine(GlobalPackages, id.ToLowerInvariant(), Version.ToLowerInvariant());
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
