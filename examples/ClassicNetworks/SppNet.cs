using DeepPsych.Dsl;

namespace Examples.ClassicNetworks;

/// <summary>SPP-net of K. He, X. Zhang, S. Ren and J. Sun, "Spatial Pyramid Pooling in Deep Convolutional Networks for
/// Visual Recognition" (ECCV 2014): the ZF-5 network (the five convolutional layers of <see cref="ZfNet"/>, its <see cref="Zf5"/> block) with its last
/// pooling replaced by a 4-level spatial pyramid {6×6, 3×3, 2×2, 1×1} of max pools, so that the fully connected layers
/// see 256·(36 + 9 + 4 + 1) = 12,800 values whatever the image size (section 2.3).</summary>
/// <remarks>
/// <para>A network's sizes are compile-time constants here, so the input size varies between calls the way the paper
/// trains at several sizes (§2.3: "two fixed-size networks that share parameters"): <see cref="SppNet224"/> and
/// <see cref="SppNet180"/> hold the same block, so their parameter names, shapes and layout are identical
/// (<c>Net.Features.Conv1.weight</c> …), and <c>new SppNet180(sharesParametersWith: net224)</c> builds the second over the
/// first one's parameter, gradient and buffer blocks — one set of weights, trained and read through either.</para>
/// <para>Parameters, 77,037,672, derived layer by layer as weights + biases: conv1–conv5 as ZFNet's (14,208; 614,656;
/// 885,120; 1,327,488; 884,992); fc6 12,800·4096 + 4096 = 52,432,896; fc7 4096·4096 + 4096 = 16,781,312; fc8
/// 4096·1000 + 1000 = 4,097,000.</para>
/// </remarks>
[Block]
public partial class ZfSpp
{
    public Zf5 Features { get; } = new();
    [SpatialPyramidPool(Levels = new[] { 6, 3, 2, 1 })]                       public partial Pool              Spp { get; }
    [Dense(4096, Activation = Act.ReLU)]                                      public partial Dense             Fc6 { get; }
    [Dropout(0.5)]                                                            public partial Dropout           Drop6 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                      public partial Dense             Fc7 { get; }
    [Dropout(0.5)]                                                            public partial Dropout           Drop7 { get; }
    [Dense(1000)]                                                             public partial Dense             Fc8 { get; }

    public Tensor Forward(Tensor x) => Fc8.Forward(Drop7.Forward(Fc7.Forward(Drop6.Forward(Fc6.Forward(Spp.Forward(Features.Forward(x)))))));
}

/// <summary>SPP-net (ZF-5) at 224×224: conv5 gives 13×13 maps, pooled into the 12,800-value pyramid.</summary>
[Network(Input = new[] { 3, 224, 224 })]
public partial class SppNet224
{
    public ZfSpp Net { get; } = new();
    public Tensor Forward(Tensor x) => Net.Forward(x);
}

/// <summary>SPP-net (ZF-5) at 180×180, the paper's second training size: conv5 gives 10×10 maps, the same pyramid length.</summary>
[Network(Input = new[] { 3, 180, 180 })]
public partial class SppNet180
{
    public ZfSpp Net { get; } = new();
    public Tensor Forward(Tensor x) => Net.Forward(x);
}
