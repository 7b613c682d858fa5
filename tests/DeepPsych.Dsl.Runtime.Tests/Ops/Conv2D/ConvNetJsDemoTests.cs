using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Reference;
using Examples.ConvNetJs;

namespace DeepPsych.Dsl.Tests.Ops.Conv2D;

/// <summary>
/// The lecture's convnet.js / cs231n convolution demo: a 5×5×3 input, zero padding 1, two 3×3×3 filters with biases
/// 1 and 0, stride 2 → a 3×3×2 output. The demo draws fresh numbers on every page load, so these are one fixed draw in
/// the demo's ranges (x ∈ {0,1,2}, w ∈ {−1,0,1}); the expected output was computed by hand-checked plain Python, an
/// implementation independent of this library.
/// </summary>
public class ConvNetJsDemoTests
{
    // The input volume and filters live in examples/ConvNetJsDemo (DemoVolumes), which prints them; the expected
    // output below was computed from them independently (plain Python, and by hand for the worked element).
    private static float[] X => DemoVolumes.X;
    private static float[] W => DemoVolumes.W;
    private static float[] B => DemoVolumes.B;

    // y[o, oh, ow]. Worked example, y[0, 1, 1]: the window starts at padded (2, 2) = input rows 1..3, columns 1..3:
    //   c0: x = [0 2 1 | 1 2 2 | 2 2 1] · W0c0 = [1 0 0 | -1 0 1 | 0 -1 0] → 0 + 0 + 0 − 1 + 0 + 2 + 0 − 2 + 0 = −1
    //   c1: x = [2 1 2 | 2 1 0 | 2 2 0] · W0c1 = [-1 -1 0 | 0 -1 -1 | 0 0 0] → −2 − 1 + 0 + 0 − 1 + 0 + 0 + 0 + 0 = −4
    //   c2: x = [2 2 0 | 2 1 1 | 0 2 2] · W0c2 = [-1 -1 0 | -1 1 -1 | 1 0 1] → −2 − 2 + 0 − 2 + 1 − 1 + 0 + 0 + 2 = −4
    //   y[0, 1, 1] = −1 − 4 − 4 + b0 (1) = −8
    private static readonly float[] Expected =
    [
        // o = 0
         0, -1,  0,
        -4, -8, -6,
        -5, -8, -1,
        // o = 1
         0,  0, -2,
         5,  5, -2,
        -2,  9,  0,
    ];

    private static readonly Conv2DGeometry Geometry = new(InChannels: 3, InHeight: 5, InWidth: 5, OutChannels: 2,
        KernelH: 3, KernelW: 3, StrideH: 2, StrideW: 2, PadH: 1, PadW: 1, DilationH: 1, DilationW: 1, Groups: 1);

    [Fact]
    public void Geometry_is_3x3x2()
    {
        Assert.Equal(3, Geometry.OutHeight);
        Assert.Equal(3, Geometry.OutWidth);
        Assert.Equal(18, Geometry.OutputLength);
    }

    [Fact]
    public void Fast_conv_reproduces_the_demo_exactly()
    {
        var y = new float[Geometry.OutputLength];
        Conv2DOp.Forward(Geometry, 1, X, W, B, y);
        Assert.Equal(Expected, y);   // small integers: exact in float32
    }

    [Fact]
    public void Reference_conv_reproduces_the_demo_exactly()
    {
        var y = ReferenceOps.Conv2DForward(Geometry, 1, TestData.ToDouble(X), TestData.ToDouble(W), TestData.ToDouble(B));
        Assert.Equal(TestData.ToDouble(Expected), y);
    }

    [Fact]
    public void The_generated_demo_network_reproduces_the_demo_exactly() => Assert.Equal(Expected, DemoVolumes.Run());
}
