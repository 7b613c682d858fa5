extern alias Classic;
using Classic::Examples.ClassicNetworks;

namespace DeepPsych.Dsl.ClassicNetworks.Tests;

/// <summary>The generated summary's FLOPs at 224×224 against the published figures: torchvision's documentation gives
/// 0.71 GFLOPS for alexnet and 15.47 for vgg16, counting one multiply-add of the convolutions and dense layers as one
/// operation. The multiply-adds are recomputed here from the layer sizes (output maps as torchvision's model prints
/// them), must round to the published figure, and the summary, which counts a multiply-add as two FLOPs and also
/// counts biases, activations and pools, must be twice that plus less than 0.2 %.</summary>
public sealed class FlopsTests
{
    [Fact]
    public void AlexNet_at_224_is_torchvisions_0_71_GMACs()
    {
        long macs = Conv(64, 3, 11, 55) + Conv(192, 64, 5, 27) + Conv(384, 192, 3, 13) + Conv(256, 384, 3, 13) + Conv(256, 256, 3, 13)
            + Fc(256 * 6 * 6, 4096) + Fc(4096, 4096) + Fc(4096, 1000);
        Assert.Equal(714_188_480, macs);
        AssertSummaryCounts(macs, published: 0.71, AlexNet.FlopsPerSample);
    }

    [Fact]
    public void Vgg16_at_224_is_torchvisions_15_47_GMACs()
    {
        long macs = Conv(64, 3, 3, 224) + Conv(64, 64, 3, 224)
            + Conv(128, 64, 3, 112) + Conv(128, 128, 3, 112)
            + Conv(256, 128, 3, 56) + 2 * Conv(256, 256, 3, 56)
            + Conv(512, 256, 3, 28) + 2 * Conv(512, 512, 3, 28)
            + 3 * Conv(512, 512, 3, 14)
            + Fc(512 * 7 * 7, 4096) + Fc(4096, 4096) + Fc(4096, 1000);
        Assert.Equal(15_470_264_320, macs);
        AssertSummaryCounts(macs, published: 15.47, Vgg16.FlopsPerSample);
    }

    private static void AssertSummaryCounts(long macs, double published, long summaryFlops)
    {
        Assert.Equal(published, Math.Round(macs / 1e9, 2));
        double extra = (summaryFlops - 2.0 * macs) / (2.0 * macs);
        Assert.True(extra is >= 0 and < 0.002, $"The summary counts {summaryFlops:N0} FLOPs, {extra:P3} beyond 2 × {macs:N0} multiply-adds.");
    }

    private static long Conv(int outChannels, int inChannels, int kernel, int outSide) => (long)outChannels * inChannels * kernel * kernel * outSide * outSide;
    private static long Fc(int inFeatures, int outFeatures) => (long)inFeatures * outFeatures;
}
