extern alias Classic;
using Classic::Examples.ClassicNetworks;

namespace DeepPsych.Dsl.ClassicNetworks.Tests;

/// <summary>Each network's generated <c>ParameterCount</c> against a figure obtained without the generator: for the
/// torchvision networks, what torchvision itself reports (<c>sum(p.numel() for p in model.parameters())</c>, torchvision
/// 0.14); for the papers' networks, the per-layer sums written out in their declarations' remarks, recomputed here from
/// the papers' layer sizes.</summary>
public sealed class ParameterCountTests
{
    [Fact]
    public void AlexNet_has_torchvision_alexnets_61100840() => Assert.Equal(61_100_840, AlexNet.ParameterCount);

    [Fact]
    public void Vgg16_has_torchvision_vgg16s_138357544() => Assert.Equal(138_357_544, Vgg16.ParameterCount);

    [Fact]
    public void ResNet18_has_torchvision_resnet18s_11689512() => Assert.Equal(11_689_512, ResNet18.ParameterCount);

    [Fact]
    public void ResNet34_has_torchvision_resnet34s_21797672() => Assert.Equal(21_797_672, ResNet34.ParameterCount);

    [Fact]
    public void ResNet50_has_torchvision_resnet50s_25557032() => Assert.Equal(25_557_032, ResNet50.ParameterCount);

    [Fact]
    public void GoogLeNet_has_torchvision_googlenets_6624904() => Assert.Equal(6_624_904, GoogLeNet.ParameterCount);

    /// <summary>ResNet-20 for 1x28x28 with projection shortcuts, summed by hand: stem 3·3·1·16 + BN 2·16 = 176; stage 1,
    /// three blocks of 2·(3·3·16·16 + 2·16) = 4,672 → 14,016; stage 2, 3·3·16·32 + 3·3·32·32 + 2·2·32 + projection 16·32 + 2·32
    /// = 14,528, then two blocks of 2·(3·3·32·32 + 2·32) = 18,560 → 51,648; stage 3 likewise 57,728 + 2·73,984 = 205,696;
    /// Fc 64·10 + 10 = 650. Total 272,186, as PyTorch counts benchmarks/peer/torch_resnet20.py.</summary>
    [Fact]
    public void ResNet20_has_the_hand_summed_272186() =>
        Assert.Equal(272_186, ResNet20.ParameterCount);

    /// <summary>The papers' networks: the count derived from the papers' layer sizes, the count their declarations
    /// document, and the generated one.</summary>
    public static TheoryData<string, long, long, long> PaperNetworks => new()
    {
        // (out, in per group, kernel) of conv1–conv5 and (out, in) of fc6–fc8: section 3.5 and Figure 2 (two groups on conv2, 4, 5).
        { "AlexNet2012", Conv(96, 3, 11) + Conv(256, 48, 5) + Conv(384, 256, 3) + Conv(384, 192, 3) + Conv(256, 192, 3)
            + Fc(4096, 256 * 6 * 6) + Fc(4096, 4096) + Fc(1000, 4096), 60_965_224, AlexNet2012.ParameterCount },
        // Figure 3: 96 7×7 filters on 3 channels, 256 5×5 on 96, 384 3×3 on 256, 384 3×3 on 384, 256 3×3 on 384; 4096, 4096, 1000.
        { "ZfNet", Conv(96, 3, 7) + Conv(256, 96, 5) + Conv(384, 256, 3) + Conv(384, 384, 3) + Conv(256, 384, 3)
            + Fc(4096, 256 * 6 * 6) + Fc(4096, 4096) + Fc(1000, 4096), 62_357_608, ZfNet.ParameterCount },
        // SPP-net's ZF-5: ZFNet's five convolutions, then a {6, 3, 2, 1} pyramid of 256 maps: 256·50 inputs to fc6.
        { "SppNet224", Conv(96, 3, 7) + Conv(256, 96, 5) + Conv(384, 256, 3) + Conv(384, 384, 3) + Conv(256, 384, 3)
            + Fc(4096, 256 * (36 + 9 + 4 + 1)) + Fc(4096, 4096) + Fc(1000, 4096), 77_037_672, SppNet224.ParameterCount },
        { "SppNet180", Conv(96, 3, 7) + Conv(256, 96, 5) + Conv(384, 256, 3) + Conv(384, 384, 3) + Conv(256, 384, 3)
            + Fc(4096, 256 * (36 + 9 + 4 + 1)) + Fc(4096, 4096) + Fc(1000, 4096), 77_037_672, SppNet180.ParameterCount },
    };

    [Theory]
    [MemberData(nameof(PaperNetworks))]
    public void Papers_networks_have_the_count_of_their_layers(string network, long derived, long documented, long generated)
    {
        Assert.True(derived == documented, $"{network}: the layers give {derived:N0}, the declaration documents {documented:N0}.");
        Assert.True(generated == documented, $"{network}: the generator counts {generated:N0}, the declaration documents {documented:N0}.");
    }

    private static long Conv(int outChannels, int inChannelsPerGroup, int kernel) => (long)outChannels * inChannelsPerGroup * kernel * kernel + outChannels;
    private static long Fc(int outFeatures, int inFeatures) => (long)outFeatures * inFeatures + outFeatures;
}
