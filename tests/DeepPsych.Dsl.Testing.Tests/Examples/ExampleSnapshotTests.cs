using Examples.FashionMnist;
using Examples.Xor;
namespace DeepPsych.Dsl.Testing.Tests.Examples;

/// <summary>The example networks' gradient and summary snapshots (the .approved.txt files beside this file).</summary>
[Collection("snapshots")]
public class ExampleSnapshotTests
{
    [Fact] public void XorMlp_gradients() => GradientSnapshot.Verify(new XorMlp());
    [Fact] public void XorMlp_summary() => SummarySnapshot.Verify(new XorMlp());
    [Fact] public void LeNet5_gradients() => GradientSnapshot.Verify(new LeNet5());
    [Fact] public void LeNet5_summary() => SummarySnapshot.Verify(new LeNet5());
}
