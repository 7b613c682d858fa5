using DeepPsych.Dsl.Testing;
using Xunit;

namespace MyNet.Tests;

public class FashionCnnTests
{
    /// <summary>The generated backward pass agrees with central finite differences of the loss (in double).
    /// Every tensor must pass outright except the first convolution's weights: each of them feeds every ReLU and
    /// max-pool window of the image, so a finite-difference step can straddle two opposite kinks unseen (the
    /// DeepPsych.Dsl.Testing docs, "Known limit: dense kinks"); those must pass at 95 % of their coordinates.</summary>
    [Fact]
    public void Gradients_are_right()
    {
        var report = GradientCheck.Check(new FashionCnn());
        Assert.True(report.Tensors.Where(t => t.Name != "Conv1.weight").All(t => t.Passed), report.ToString());
        var first = report.Tensors.Single(t => t.Name == "Conv1.weight");
        Assert.True(first.FailedCoordinates <= 0.05 * first.Coordinates.Count, report.ToString());
    }

    /// <summary>The gradients for a fixed seed and batch match the approved file beside this one, within a tolerance.
    /// After an intended change (another architecture), approve the new numbers: rerun with DEEPPSYCH_APPROVE=1, or
    /// copy the .received.txt over the .approved.txt.</summary>
    [Fact]
    public void Gradients_stay_right() => GradientSnapshot.Verify(new FashionCnn(), new GradientSnapshotOptions { CompareBackwardSource = false });
}
