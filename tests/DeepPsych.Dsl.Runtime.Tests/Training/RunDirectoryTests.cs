using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("deeppsych-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Creates_the_folder_and_its_parents_and_removes_them_again_while_unused()
    {
        string path = Path.Combine(_root, "a", "b");
        var run = RunDirectory.Prepare(path);
        Assert.True(run.Created);
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(path)); // the write probe is gone
        Assert.True(run.RemoveIfUnused());
        Assert.False(Directory.Exists(Path.Combine(_root, "a")));
    }

    [Fact]
    public void A_folder_with_results_is_never_removed()
    {
        var run = RunDirectory.Prepare(Path.Combine(_root, "r"));
        File.WriteAllText(run.File("metrics.json"), "{}");
        Assert.False(run.RemoveIfUnused());
        Assert.True(File.Exists(run.File("metrics.json")));
    }

    [Fact]
    public void A_non_empty_folder_needs_overwrite()
    {
        File.WriteAllText(Path.Combine(_root, "old.txt"), "");
        var e = Assert.Throws<RunDirectoryException>(() => RunDirectory.Prepare(_root, overwriteHint: "pass --overwrite"));
        Assert.Contains("is not empty; pass --overwrite", e.Message);
        var run = RunDirectory.Prepare(_root, overwrite: true);
        Assert.False(run.Created);
        Assert.False(run.RemoveIfUnused());
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_refused_and_nothing_is_left_behind()
    {
        string file = Path.Combine(_root, "file");
        File.WriteAllText(file, "");
        var asFile = Assert.Throws<RunDirectoryException>(() => RunDirectory.Prepare(file));
        Assert.Contains("is a file", asFile.Message);
        var under = Assert.Throws<RunDirectoryException>(() => RunDirectory.Prepare(Path.Combine(file, "sub")));
        Assert.Contains("cannot be written", under.Message);
        Assert.Equal([file], Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void A_read_only_file_system_is_refused_before_anything_runs()
    {
        // /proc is read-only for new folders even for root; skip only where it does not exist.
        if (!Directory.Exists("/proc/self")) return;
        var e = Assert.Throws<RunDirectoryException>(() => RunDirectory.Prepare("/proc/deeppsych-run"));
        Assert.Contains("cannot be written", e.Message);
        Assert.False(Directory.Exists("/proc/deeppsych-run"));
        // An existing folder there (as an existing read-only output folder): the write probe fails before training.
        var existing = Assert.Throws<RunDirectoryException>(() => RunDirectory.Prepare("/proc/sys", overwrite: true));
        Assert.Contains("'/proc/sys' cannot be written", existing.Message);
    }
}
