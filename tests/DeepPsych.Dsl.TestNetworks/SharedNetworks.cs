using DeepPsych.Dsl;
using static DeepPsych.Dsl.Functional;

namespace DeepPsych.Dsl.TestNetworks;

/// <summary>A small pyramid-pooled network declared once as a block, then used by two networks of different input sizes
/// that share one parameter block (<c>new PyramidWide(sharesParametersWith: square)</c>), as He et al. train SPP-net at
/// two sizes. BatchNorm makes the buffer block (running statistics) shared too.</summary>
[Block]
public partial class SmallPyramid
{
    [Conv2D(3, Kernel = 3, Padding = 1, Bias = false)]   public partial Conv2D Conv { get; }
    [BatchNorm2D]                                        public partial BatchNorm Bn { get; }
    [SpatialPyramidPool(Levels = new[] { 2, 1 })]        public partial Pool Spp { get; }
    [Dense(3)]                                           public partial Dense Logits { get; }

    public Tensor Forward(Tensor x) => Logits.Forward(Spp.Forward(ReLU(Bn.Forward(Conv.Forward(x)))));
}

/// <summary><see cref="SmallPyramid"/> at 2×6×6.</summary>
[Network(Input = new[] { 2, 6, 6 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PyramidSquare
{
    public SmallPyramid Net { get; } = new();
    public Tensor Forward(Tensor x) => Net.Forward(x);
}

/// <summary><see cref="SmallPyramid"/> at 2×9×5: the pyramid gives the same 3·(4 + 1) values to the dense layer.</summary>
[Network(Input = new[] { 2, 9, 5 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class PyramidWide
{
    public SmallPyramid Net { get; } = new();
    public Tensor Forward(Tensor x) => Net.Forward(x);
}
