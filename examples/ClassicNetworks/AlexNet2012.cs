using DeepPsych.Dsl;

namespace Examples.ClassicNetworks;

/// <summary>AlexNet as in A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet Classification with Deep Convolutional
/// Neural Networks" (NIPS 2012): the two-GPU layout written as one network, with local response normalisation after
/// the first two convolutions and two-group convolutions where the paper's GPUs did not talk (conv2, conv4, conv5).</summary>
/// <remarks>
/// <para>Layout, from section 3.5 and Figure 2 of the paper: conv1 96×11×11 stride 4 → ReLU → LRN → max pool 3 stride 2;
/// conv2 256×5×5 on 48 channels per GPU (Groups = 2) → ReLU → LRN → pool; conv3 384×3×3 on all 256 channels; conv4
/// 384×3×3 and conv5 256×3×3 on 192 channels per GPU (Groups = 2); pool; fc6 and fc7 with 4096 units and dropout 0.5
/// (section 4.2: "dropout in the first two fully-connected layers"); fc8 with 1000.</para>
/// <para>Input 227×227: the paper says 224×224, but stride 4 and 11×11 kernels give its 55×55 conv1 maps only from 227
/// (⌊(227 − 11) / 4⌋ + 1 = 55), as the Caffe reference model uses. The maps are then 55 → 27 → 27 → 13 → 13 → 13 → 6.</para>
/// <para>LRN (section 3.3): b = a / (k + α Σ a²)^β with k = 2, n = 5, α = 1e-4, β = 0.75, the sum not divided by n.
/// [LocalResponseNorm] follows PyTorch and divides α by Size, so the paper's α is written as Alpha = 5 × 1e-4.</para>
/// <para>Parameters, 60,965,224 (the figure the Caffe bvlc_alexnet model also has), derived layer by layer as
/// weights + biases: conv1 96·3·11·11 + 96 = 34,944; conv2 256·48·5·5 + 256 = 307,456; conv3 384·256·3·3 + 384 =
/// 885,120; conv4 384·192·3·3 + 384 = 663,936; conv5 256·192·3·3 + 256 = 442,624; fc6 9216·4096 + 4096 = 37,752,832;
/// fc7 4096·4096 + 4096 = 16,781,312; fc8 4096·1000 + 1000 = 4,097,000. The paper's own "60 million" is this total
/// rounded.</para>
/// </remarks>
[Network(Input = new[] { 3, 227, 227 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class AlexNet2012
{
    [Conv2D(96, Kernel = 11, Stride = 4, Activation = Act.ReLU)]                       public partial Conv2D            Conv1 { get; }
    [LocalResponseNorm(Size = 5, Alpha = 5e-4f, Beta = 0.75f, K = 2f)]                 public partial LocalResponseNorm Norm1 { get; }
    [MaxPool2D(3, Stride = 2)]                                                         public partial Pool              Pool1 { get; }
    [Conv2D(256, Kernel = 5, Padding = 2, Groups = 2, Activation = Act.ReLU)]          public partial Conv2D            Conv2 { get; }
    [LocalResponseNorm(Size = 5, Alpha = 5e-4f, Beta = 0.75f, K = 2f)]                 public partial LocalResponseNorm Norm2 { get; }
    [MaxPool2D(3, Stride = 2)]                                                         public partial Pool              Pool2 { get; }
    [Conv2D(384, Kernel = 3, Padding = 1, Activation = Act.ReLU)]                      public partial Conv2D            Conv3 { get; }
    [Conv2D(384, Kernel = 3, Padding = 1, Groups = 2, Activation = Act.ReLU)]          public partial Conv2D            Conv4 { get; }
    [Conv2D(256, Kernel = 3, Padding = 1, Groups = 2, Activation = Act.ReLU)]          public partial Conv2D            Conv5 { get; }
    [MaxPool2D(3, Stride = 2)]                                                         public partial Pool              Pool5 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                               public partial Dense             Fc6 { get; }
    [Dropout(0.5)]                                                                     public partial Dropout           Drop6 { get; }
    [Dense(4096, Activation = Act.ReLU)]                                               public partial Dense             Fc7 { get; }
    [Dropout(0.5)]                                                                     public partial Dropout           Drop7 { get; }
    [Dense(1000)]                                                                      public partial Dense             Fc8 { get; }
}
