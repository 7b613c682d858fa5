using Examples.FashionMnist;
using Examples.Xor;
using DeepPsych.Dsl.Testing.Tests.Models;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.Testing.Tests.Examples;

/// <summary>What docs/testing.md shows: someone breaks a backward formula (here: C3's weight gradient comes out 10%
/// too large, and in XOR one hidden weight's gradient has its sign flipped). Both the gradient check and the
/// gradient snapshot must catch it.</summary>
[Collection("snapshots")]
public class BrokenBackwardTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dpbroken").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Verifies against a copy of the real network's committed approval, so the failing run's .received.txt stays out of the tree.</summary>
    private void VerifyAgainstApproved(INeuralNetwork broken, string approvedName)
    {
        File.Copy(Path.Combine(SourceDir(), approvedName + ".approved.txt"), Path.Combine(_dir, approvedName + ".approved.txt"));
        GradientSnapshot.Verify(broken, name: approvedName, directory: _dir);
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string file = "") => Path.GetDirectoryName(file)!;

    [Fact]
    public void LeNet5_C3_weight_gradient_10_percent_too_large_is_caught_by_both()
    {
        var broken = new BrokenGradient(new LeNet5(), "C3.weight", scale: 1.1f);
        var check = Assert.Throws<GradientCheckException>(() => GradientCheck.Assert(broken));
        Assert.False(check.Report.Tensors.Single(t => t.Name == "C3.weight").Passed);
        output.WriteLine(check.Message);
        var snapshot = Assert.Throws<SnapshotMismatchException>(() => VerifyAgainstApproved(broken, "ExampleSnapshotTests.LeNet5_gradients"));
        Assert.Contains("C3.weight", snapshot.Message);
        output.WriteLine(snapshot.Message);
    }

    [Fact]
    public void XorMlp_sign_flip_in_one_hidden_weight_is_caught_by_both()
    {
        var broken = new BrokenGradient(new XorMlp(), "Hidden.weight", onlyElement: 1);
        var check = Assert.Throws<GradientCheckException>(() => GradientCheck.Assert(broken));
        Assert.Equal(new[] { 0, 1 }, check.Report.Tensors[0].Worst!.Index);
        output.WriteLine(check.Message);
        var snapshot = Assert.Throws<SnapshotMismatchException>(() => VerifyAgainstApproved(broken, "ExampleSnapshotTests.XorMlp_gradients"));
        Assert.Contains("[0,1]", snapshot.Message);
        output.WriteLine(snapshot.Message);
    }
}
