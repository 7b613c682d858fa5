namespace Examples.ClassicNetworks;

/// <summary>The input sides the parity tests compile AlexNet.cs and Vgg16.cs with (the example library uses 224; the
/// adaptive average pool makes the parameters the same). Small, because float32 rounding flips ReLUs whose input lies
/// within about 1e-7 of zero, and both sides are right: at 224×224 seed 0 puts four of VGG-16's 27 million ReLU inputs
/// on different sides of zero in PyTorch float32 and float64 (one in features.19 changes every gradient below it by up
/// to 0.7 % of its largest value). At 32×32 VGG-16 has 49 times fewer units, and each run is cheaper.</summary>
internal static class InputSize
{
    /// <summary>AlexNet: 64×64 reaches the adaptive pool at 1×1, so it spreads one value over 6×6.</summary>
    public const int AlexNet = 64;
    /// <summary>VGG-16: 32×32 reaches the adaptive pool at 1×1, spread over 7×7.</summary>
    public const int Vgg16 = 32;
    /// <summary>ResNets: 64×64 reaches the last stage at 2×2 (BatchNorm there sees batch × 4 values per channel).</summary>
    public const int ResNet = 64;
    /// <summary>GoogLeNet: 64×64 reaches inception 5b at 2×2 (the ceil-mode pools round 3×3 up to 2×2).</summary>
    public const int GoogLeNet = 64;
}
