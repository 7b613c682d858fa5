using DeepPsych.Dsl;

namespace Examples.ConvNetJs;

/// <summary>The lecture's convnet.js (cs231n) convolution demo as a network: a 5×5×3 input volume, zero padding 1,
/// two 3×3×3 filters with biases, stride 2 → a 3×3×2 output volume, (5 − 3 + 2·1) / 2 + 1 = 3.</summary>
[Network(Input = new[] { 3, 5, 5 }, Loss = Loss.MeanSquaredError)]
public partial class DemoNetwork
{
    [Conv2D(2, Kernel = 3, Stride = 2, Padding = 1)] public partial Conv2D Conv { get; }
}

/// <summary>The demo's numbers. The live demo draws new ones on every page load (x ∈ {0, 1, 2}, w ∈ {−1, 0, 1});
/// these are one fixed draw, and tests/DeepPsych.Dsl.Runtime.Tests/Ops/Conv2D/ConvNetJsDemoTests.cs pins the output
/// computed from them independently, with a worked element.</summary>
public static class DemoVolumes
{
    /// <summary>Input x[c, h, w]: three 5×5 planes.</summary>
    public static readonly float[] X =
    [
        // c = 0
        0, 0, 1, 1, 2,
        0, 0, 2, 1, 1,
        1, 1, 2, 2, 2,
        1, 2, 2, 1, 0,
        2, 0, 0, 0, 1,
        // c = 1
        1, 1, 1, 0, 0,
        2, 2, 1, 2, 2,
        0, 2, 1, 0, 2,
        0, 2, 2, 0, 0,
        2, 2, 1, 1, 0,
        // c = 2
        0, 1, 0, 1, 2,
        1, 2, 2, 0, 2,
        2, 2, 1, 1, 1,
        2, 0, 2, 2, 0,
        1, 1, 0, 2, 1,
    ];

    /// <summary>Filters w[o, c, kh, kw] (OIHW): W0 then W1, each three 3×3 slices.</summary>
    public static readonly float[] W =
    [
        // W0: c = 0, 1, 2
         1,  0,  0,   -1,  0,  1,    0, -1,  0,
        -1, -1,  0,    0, -1, -1,    0,  0,  0,
        -1, -1,  0,   -1,  1, -1,    1,  0,  1,
        // W1: c = 0, 1, 2
         1,  0,  0,    0, -1,  1,    1,  0, -1,
         0,  1,  1,    1, -1,  1,    0, -1, -1,
        -1, -1,  1,    1, -1,  1,    0,  1,  1,
    ];

    /// <summary>Biases b0 = 1, b1 = 0.</summary>
    public static readonly float[] B = [1, 0];

    /// <summary>Runs the demo through the generated network and returns the 3×3×2 output volume.</summary>
    public static float[] Run()
    {
        var net = new DemoNetwork { Threads = 1 };
        W.CopyTo(net.Conv.Weights.Values);
        B.CopyTo(net.Conv.Bias!.Values);
        var y = new float[DemoNetwork.OutputLength];
        net.Forward(X, y, batch: 1);
        return y;
    }
}
