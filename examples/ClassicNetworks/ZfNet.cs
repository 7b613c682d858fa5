using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace Examples.ClassicNetworks;

/// <summary>ZFNet of M. D. Zeiler and R. Fergus, "Visualizing and Understanding Convolutional Networks" (2013): AlexNet
/// on one GPU with a 7×7 stride-2 first layer (instead of 11×11 stride 4) and a stride-2 second layer, the changes
/// their deconvnet visualisations suggested (section 4.1).</summary>
/// <remarks>
/// <para>Layout, from Figure 3 of the paper: 224×224 input; layer 1 96×7×7 stride 2 → 110×110, ReLU, 3×3 max pool
/// stride 2 → 55×55, contrast normalisation across feature maps; layer 2 256×5×5 stride 2 → 26×26, ReLU, pool → 13×13,
/// normalisation; layers 3 and 4 384×3×3, layer 5 256×3×3, all 13×13; pool → 6×6; layers 6 and 7 4096 units with
/// dropout 0.5; 1000-way softmax. All connections dense (one GPU, so no groups).</para>
/// <para>The paper gives map sizes, not paddings. The paddings here are the smallest that reproduce them: conv1
/// padding 1 (⌊(224 + 2 − 7) / 2⌋ + 1 = 110), pools 1 and 2 padding 1 (⌊(110 + 2 − 3) / 2⌋ + 1 = 55,
/// ⌊(26 + 2 − 3) / 2⌋ + 1 = 13), conv2 none (⌊(55 − 5) / 2⌋ + 1 = 26), convs 3–5 padding 1, pool 5 none
/// (⌊(13 − 3) / 2⌋ + 1 = 6). Paddings change no parameter count.</para>
/// <para>The "contrast normalisation across feature maps" is AlexNet's LRN (the paper follows Krizhevsky et al.), with
/// AlexNet's constants: see <see cref="AlexNet2012"/> for Alpha = 5 × 1e-4.</para>
/// <para>Parameters, 62,357,608, derived layer by layer as weights + biases: conv1 96·3·7·7 + 96 = 14,208; conv2
/// 256·96·5·5 + 256 = 614,656; conv3 384·256·3·3 + 384 = 885,120; conv4 384·384·3·3 + 384 = 1,327,488; conv5
/// 256·384·3·3 + 256 = 884,992; fc6 9216·4096 + 4096 = 37,752,832; fc7 4096·4096 + 4096 = 16,781,312; fc8 4096·1000 +
/// 1000 = 4,097,000.</para>
/// </remarks>
[Network(Input = new[] { 3, 224, 224 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class ZfNet
{
    public Zf5 Features { get; } = new();
    [MaxPool2D(3, Stride = 2)]                                                public partial Pool              Pool5 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                      public partial Dense             Fc6 { get; }
    [Dropout(0.5)]                                                            public partial Dropout           Drop6 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                      public partial Dense             Fc7 { get; }
    [Dropout(0.5)]                                                            public partial Dropout           Drop7 { get; }
    [Dense(1000)]                                                             public partial Dense             Fc8 { get; }

    public Tensor Forward(Tensor x) => Fc8.Forward(Drop7.Forward(Fc7.Forward(Drop6.Forward(Fc6.Forward(Pool5.Forward(Features.Forward(x)))))));
}

/// <summary>ZFNet's five convolutional layers with their pools and normalisations (13×13×256 at 224×224): the trunk
/// SPP-net's ZF-5 (<see cref="ZfSpp"/>) reuses.</summary>
[Block]
public partial class Zf5
{
    // DPD0005, accepted on Conv1, Pool1 and Pool2: the paper's map sizes (110, 55, 13) leave the last row and column unread.
    [Conv2D(96, Kernel = 7, Stride = 2, Padding = 1, Activation = Act.ReLU)]  public partial Conv2D            Conv1 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                                   public partial Pool              Pool1 { get; }
    [LocalResponseNorm(Size = 5, Alpha = 5e-4f, Beta = 0.75f, K = 2f)]        public partial LocalResponseNorm Norm1 { get; }
    [Conv2D(256, Kernel = 5, Stride = 2, Activation = Act.ReLU)]              public partial Conv2D            Conv2 { get; }
    [MaxPool2D(3, Stride = 2, Padding = 1)]                                   public partial Pool              Pool2 { get; }
    [LocalResponseNorm(Size = 5, Alpha = 5e-4f, Beta = 0.75f, K = 2f)]        public partial LocalResponseNorm Norm2 { get; }
    [Conv2D(384, Kernel = 3, Padding = 1, Activation = Act.ReLU)]             public partial Conv2D            Conv3 { get; }
    [Conv2D(384, Kernel = 3, Padding = 1, Activation = Act.ReLU)]             public partial Conv2D            Conv4 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Activation = Act.ReLU)]             public partial Conv2D            Conv5 { get; }

    public Tensor Forward(Tensor x)
    {
        var h = Norm1.Forward(Pool1.Forward(Conv1.Forward(x)));
        h = Norm2.Forward(Pool2.Forward(Conv2.Forward(h)));
        return Conv5.Forward(Conv4.Forward(Conv3.Forward(h)));
    }
}
