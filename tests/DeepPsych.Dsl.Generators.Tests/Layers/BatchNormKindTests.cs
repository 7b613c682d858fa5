namespace DeepPsych.Dsl.Generators.Tests.Layers;

/// <summary>[BatchNorm2D]/[BatchNorm1D] on an input they do not fit, and options out of range: diagnostics (the ids'
/// own tests are in DiagnosticTests) that name the shape and the kind to use instead.</summary>
public class BatchNormKindTests
{
    [Theory]
    [InlineData("[Dense(6)] public partial Dense F { get; } [BatchNorm2D] public partial BatchNorm Bn { get; }", "DPD0015",
        "Bn: BatchNorm2D needs a channels x height x width input but gets the vector 6 (after F); use [BatchNorm1D] for a vector of features (after a Dense layer), or place it before any Dense or Flatten layer")]
    [InlineData("[BatchNorm1D] public partial BatchNorm Bn { get; } [Dense(2)] public partial Dense F { get; }", "DPD0015",
        "Bn: BatchNorm1D needs a features (C) or C x L input but gets the image 2x4x4 (network input); use [BatchNorm2D] for channels x height x width, or place it after a Flatten or Dense layer")]
    [InlineData("[BatchNorm2D(Momentum = 1.5f)] public partial BatchNorm Bn { get; } [Dense(2)] public partial Dense F { get; }", "DPD0014",
        "Bn: Momentum = 1.5 is out of range; the running statistics move by momentum·(batch value − running value): use 0 ≤ momentum ≤ 1 (PyTorch's default is 0.1)")]
    [InlineData("[BatchNorm2D(Epsilon = 0f)] public partial BatchNorm Bn { get; } [Dense(2)] public partial Dense F { get; }", "DPD0014",
        "Bn: Epsilon = 0 is out of range; ε keeps 1/√(σ² + ε) finite: use a small positive number (PyTorch's default is 1e-5)")]
    public void A_misplaced_or_misconfigured_BatchNorm_is_a_diagnostic_naming_the_fix(string layers, string id, string message)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Usings + $$"""
            [Network(Input = new[] { 2, 4, 4 })]
            public partial class Net { {{layers}} }
            """);
        var diagnostic = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}
