using DeepPsych.Dsl.Testing.Tests.Models;

namespace DeepPsych.Dsl.Testing.Tests.Snapshots;

[CollectionDefinition("snapshots", DisableParallelization = true)]
public class SnapshotCollection;

/// <summary>The snapshot layer itself: format, tolerance comparison, diff, approval workflow.</summary>
[Collection("snapshots")]
public class SnapshotTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dpsnap").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Text(INeuralNetwork net) => GradientSnapshot.Render(net);

    [Fact]
    public void A_snapshot_holds_source_shapes_statistics_values_and_a_digest()
    {
        var text = Text(new HandLinear(5, 3, Loss.MeanSquaredError));
        Assert.Contains("== backward source ==", text);
        Assert.Contains("gw[o * _in + i] += d * input[n * _in + i];", text);
        Assert.Contains("== tensor Linear.weight [3, 5] ==", text);
        Assert.Contains("count 15  min ", text);
        Assert.Contains(" l2 ", text);
        Assert.Contains("digest: ", text);
        Assert.Null(GradientSnapshot.Compare(text, Text(new HandLinear(5, 3, Loss.MeanSquaredError))));
    }

    [Fact]
    public void Large_tensors_keep_statistics_a_seeded_sample_and_row_norms()
    {
        var text = Text(new HandLinear(200, 10, Loss.SoftmaxCrossEntropy));
        Assert.Contains("sampled values (64 of 2000, seeded):", text);
        Assert.Contains("L2 norm of each row (along the first axis, 10 rows of 200):", text);
        Assert.Equal(10, GradientSnapshotText.Parse(text).Tensors[0].Rows.Count);
    }

    [Fact]
    public void Rounding_sized_changes_pass_and_real_changes_show_tensor_index_and_values()
    {
        var approved = Text(new HandLinear(5, 3, Loss.MeanSquaredError));
        var model = GradientSnapshotText.Parse(approved);
        Assert.Equal(15, model.Tensors[0].Values.Count);
        string Scale(double f, int flat) => Rewrite(approved, "Linear.weight", flat, f);
        Assert.Null(GradientSnapshot.Compare(approved, Scale(1 + 2e-5, 7)));
        var diff = GradientSnapshot.Compare(approved, Scale(1.1, 7));
        Assert.NotNull(diff);
        Assert.Contains("Linear.weight", diff);
        Assert.Contains("[1,2]", diff);
    }

    [Fact]
    public void A_changed_backward_source_is_a_line_diff()
    {
        var net = new HandLinear(2, 2, Loss.MeanSquaredError);
        var a = GradientSnapshot.Render(net, new GradientSnapshotOptions { BackwardSource = "line 1\nline 2\nline 3" });
        var b = GradientSnapshot.Render(net, new GradientSnapshotOptions { BackwardSource = "line 1\nline two\nline 3" });
        var diff = GradientSnapshot.Compare(a, b)!;
        Assert.Contains("- line 2", diff);
        Assert.Contains("+ line two", diff);
        Assert.Null(GradientSnapshot.Compare(a, b, new GradientSnapshotOptions { CompareBackwardSource = false }));
    }

    [Fact]
    public void A_missing_approval_fails_and_writes_the_received_file_and_approving_is_one_step()
    {
        var net = new HandLinear(3, 2, Loss.SoftmaxCrossEntropy);
        var ex = Assert.Throws<SnapshotMismatchException>(() => GradientSnapshot.Verify(net, name: "Hand", directory: _dir));
        Assert.Contains("No approved gradient snapshot", ex.Message);
        Assert.True(File.Exists(ex.ReceivedPath));
        File.Copy(ex.ReceivedPath, ex.ApprovedPath);   // the documented approval step
        GradientSnapshot.Verify(net, name: "Hand", directory: _dir);
        Assert.False(File.Exists(ex.ReceivedPath));
    }

    [Fact]
    public void The_approve_variable_writes_the_approved_file()
    {
        var net = new HandLinear(3, 2, Loss.MeanSquaredError);
        Environment.SetEnvironmentVariable(SnapshotFile.ApproveVariable, "1");
        try { GradientSnapshot.Verify(net, name: "Approved", directory: _dir); SummarySnapshot.Verify(net, name: "Summary", directory: _dir); }
        finally { Environment.SetEnvironmentVariable(SnapshotFile.ApproveVariable, null); }
        Assert.True(File.Exists(Path.Combine(_dir, "Approved.approved.txt")));
        GradientSnapshot.Verify(net, name: "Approved", directory: _dir);
        SummarySnapshot.Verify(net, name: "Summary", directory: _dir);
    }

    [Fact]
    public void A_summary_change_is_a_line_diff()
    {
        var approved = SummarySnapshot.Render(new HandLinear(3, 2, Loss.MeanSquaredError));
        File.WriteAllText(Path.Combine(_dir, "S.approved.txt"), approved);
        var ex = Assert.Throws<SnapshotMismatchException>(() => SummarySnapshot.Verify(new HandLinear(4, 2, Loss.MeanSquaredError), name: "S", directory: _dir));
        Assert.Contains("- architecture: hand-linear-3-2", ex.Message);
        Assert.Contains("+ architecture: hand-linear-4-2", ex.Message);
    }

    [Fact]
    public void Gradient_snapshot_of_the_hand_model_is_approved() => GradientSnapshot.Verify(new HandLinear(4, 3, Loss.SoftmaxCrossEntropy));

    /// <summary>Multiplies one value of one tensor in a snapshot text by <paramref name="factor"/> (and its statistics alike).</summary>
    private static string Rewrite(string text, string tensor, int flat, double factor)
    {
        var model = GradientSnapshotText.Parse(text);
        var t = model.Tensors.Single(x => x.Name == tensor);
        double old = t.Values[flat];
        string oldText = Internal.Shapes.F(old), newText = Internal.Shapes.F(old * factor);
        var lines = text.Split('\n');
        int section = Array.FindIndex(lines, l => l.StartsWith($"== tensor {tensor} "));
        int row = flat / t.Shape[^1];
        int line = section + 3 + row;
        Assert.Contains(oldText, lines[line]);
        lines[line] = lines[line].Replace(oldText, newText);
        return string.Join('\n', lines);
    }
}
