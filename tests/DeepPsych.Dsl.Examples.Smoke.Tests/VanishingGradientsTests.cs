namespace DeepPsych.Dsl.Examples.Smoke.Tests;

public sealed class VanishingGradientsTests
{
    [Fact]
    public void The_sigmoid_networks_first_layer_gets_a_vanishing_gradient_and_relu_with_he_init_does_not()
    {
        var run = ExampleRun.Start("VanishingGradients", "--quick").Succeeded();
        var sigmoid = run.Numbers(@"^sigmoid, Xavier init\s+\| H1 (\S+) .* Output (\S+)$");
        var he = run.Numbers(@"^ReLU, He init\s+\| H1 (\S+) .* Output (\S+)$");
        // DPD0009 bounds the sigmoid chain's factor by 0.25^10 ≈ 1e-6; measured ≈ 2e-8. ReLU + He keeps the same order.
        Assert.True(sigmoid[0] < 1e-4 * sigmoid[1], $"sigmoid: ‖dL/dW‖ of H1 {sigmoid[0]}, of Output {sigmoid[1]}");
        Assert.True(he[0] > 1e-2 * he[1], $"ReLU + He: ‖dL/dW‖ of H1 {he[0]}, of Output {he[1]}");
        run.Png("vanishing_gradients.png", 1000, 400);
    }
}
