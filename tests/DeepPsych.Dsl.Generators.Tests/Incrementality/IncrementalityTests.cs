using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DeepPsych.Dsl.Generators.Tests.Incrementality;

/// <summary>Unrelated edits must hit the cache; architecture edits must regenerate.</summary>
public class IncrementalityTests
{
    private static (IncrementalStepRunReason Source, IncrementalStepRunReason Plan) Rerun(string before, string after)
    {
        var first = GeneratorHarness.Compilation(before);
        var driver = GeneratorHarness.Driver(trackSteps: true).RunGenerators(first);
        var tree = first.SyntaxTrees.First();   // the network file (the second holds the implicit usings)
        var second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(after, GeneratorHarness.ParseOptions, path: tree.FilePath));
        var result = driver.RunGenerators(second).GetRunResult().Results.Single();
        // The first network of the file (the edits below touch it; GraphNetworks.cs declares two).
        var source = result.TrackedSteps[NetworkGenerator.Stages.Source].First().Outputs.Single().Reason;
        var plan = result.TrackedSteps[NetworkGenerator.Stages.Plan].First().Outputs.Single().Reason;
        return (source, plan);
    }

    /// <summary>Replaces <paramref name="from"/> by <paramref name="to"/> in <paramref name="before"/>: the generated source must stay cached.</summary>
    private static void AssertCached(string before, string from, string to)
    {
        string after = before.Replace(from, to);
        Assert.NotEqual(before, after);
        var (source, _) = Rerun(before, after);
        Assert.True(source is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"source step was {source}");
    }

    /// <summary>The same edit, which changes the architecture: plan and source must both be regenerated.</summary>
    private static void AssertRegenerated(string before, string from, string to)
    {
        string after = before.Replace(from, to);
        Assert.NotEqual(before, after);
        var (source, plan) = Rerun(before, after);
        Assert.Equal(IncrementalStepRunReason.Modified, plan);
        Assert.Equal(IncrementalStepRunReason.Modified, source);
    }

    [Fact]
    public void A_comment_edit_leaves_the_generated_source_cached()
        => AssertCached(Snapshots.Networks.LeNet5, "/// <summary>LeNet-5 (LeCun", "// a new comment line that moves everything below it\n/// <summary>LeNet-5 (LeCun");

    [Fact]
    public void A_comment_edit_in_a_forward_graph_leaves_the_generated_source_cached()
        => AssertCached(Snapshots.Networks.GraphNetworks(), "        var h = Stem.Forward(x);", "        // the stem, then a residual body\n        var h = Stem.Forward(x);");

    [Fact]
    public void A_forward_graph_edit_regenerates() => AssertRegenerated(Snapshots.Networks.GraphNetworks(), "Tanh(h + r)", "Tanh(r + h)");

    [Fact]
    public void A_comment_edit_in_a_block_leaves_the_generated_source_cached()
        => AssertCached(Snapshots.Networks.BlockNetworks(), "        var identity = downsample", "        // the skip path\n        var identity = downsample");

    [Fact]
    public void A_block_layer_edit_regenerates_the_network_that_uses_it()
        => AssertRegenerated(Snapshots.Networks.BlockNetworks(), "[Conv2D(Kernel = 3, Padding = 1, Bind = \"OutChannels = planes\")]",
            "[Conv2D(Kernel = 5, Padding = 2, Bind = \"OutChannels = planes\")]");

    [Fact]
    public void A_layer_edit_regenerates()
        => AssertRegenerated(Snapshots.Networks.LeNet5, "[Dense(84, Activation = Act.ReLU)]", "[Dense(64, Activation = Act.ReLU)]");
}
