using DeepPsych.Dsl.TestNetworks;
using Examples.FashionMnist;
using Examples.Xor;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceOps;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>Whole generated networks against an independent computation: the architecture is restated here as a
/// composition of the naive double-precision reference ops, its loss is differentiated by central finite differences
/// in double, and the result is compared with the generated float32 backward pass.</summary>
public class NetworkGradientTests
{
    /// <summary>h for central differences in double: truncation O(h²) ≈ 1e-10, rounding ≈ 1e-16/h ≈ 1e-11.</summary>
    private const double Step = 1e-5;

    /// <summary>Float32 forward and backward through a few layers carry a relative rounding error of about 1e-6 per
    /// layer; 1e-3 of the tensor's largest gradient leaves two orders of margin while a wrong formula (a factor, a
    /// sign, a transposed index) is off by far more.</summary>
    private const double Tolerance = 1e-3;

    private delegate double ReferenceLoss(Func<string, double[]?> parameters);

    private static void Check(INeuralNetwork net, ReferenceLoss loss, Action computeGradients, int samplesPerTensor = 24)
    {
        net.ZeroGradients();
        computeGradients();
        var analytic = net.Gradients.ToArray();
        var p = Array.ConvertAll(net.Parameters, v => (double)v);
        double[]? Tensor(string name)
        {
            var t = net.ParameterTensors.FirstOrDefault(x => x.Name == name);
            return t is null ? null : p.AsSpan(t.Offset, t.Length).ToArray();
        }
        var rng = new Random(17);
        foreach (var tensor in net.ParameterTensors)
        {
            var indices = tensor.Length <= samplesPerTensor ? Enumerable.Range(0, tensor.Length) : Enumerable.Range(0, samplesPerTensor).Select(_ => rng.Next(tensor.Length));
            var numeric = new List<(int Index, double Numeric, double Analytic)>();
            foreach (int i in indices)
            {
                int k = tensor.Offset + i;
                double saved = p[k];
                p[k] = saved + Step; double plus = loss(Tensor);
                p[k] = saved - Step; double minus = loss(Tensor);
                p[k] = saved;
                numeric.Add((i, (plus - minus) / (2 * Step), analytic[k]));
            }
            double scale = Math.Max(1e-6, analytic.AsSpan(tensor.Offset, tensor.Length).ToArray().Max(Math.Abs));
            foreach (var (index, n, a) in numeric)
                Assert.True(Math.Abs(n - a) <= Tolerance * scale,
                    $"{net.Name} {tensor.Name}[{index}]: analytic {a:G9}, finite difference {n:G9} (|error| {Math.Abs(n - a):G3} > {Tolerance} x {scale:G3})");
        }
    }

    private static double[] Act(Act act, double[] z, double slope = 0.01) => Activate(act, z, slope);

    [Fact]
    public void LeNet5_matches_finite_differences()
    {
        const int batch = 3;
        var x = TestData.Uniform(1, batch * 784);
        int[] labels = [3, 7, 0];
        var net = new LeNet5 { Threads = 2 };
        net.InitializeParameters(5);
        var c1 = new Conv2DGeometry(1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 1, 1, 1);
        var s2 = new Pool2DGeometry(6, 28, 28, 2, 2, 2, 2, 0, 0);
        var c3 = new Conv2DGeometry(6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 1, 1, 1);
        var s4 = new Pool2DGeometry(16, 10, 10, 2, 2, 2, 2, 0, 0);
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.ReLU, Conv2DForward(c1, batch, xd, w("C1.weight")!, w("C1.bias")));
            h = MaxPoolForward(s2, batch, h).y;
            h = Act(Dsl.Act.ReLU, Conv2DForward(c3, batch, h, w("C3.weight")!, w("C3.bias")));
            h = MaxPoolForward(s4, batch, h).y;
            h = Act(Dsl.Act.ReLU, DenseForward(batch, 400, 120, h, w("F5.weight")!, w("F5.bias")));
            h = Act(Dsl.Act.ReLU, DenseForward(batch, 120, 84, h, w("F6.weight")!, w("F6.bias")));
            h = DenseForward(batch, 84, 10, h, w("Output.weight")!, w("Output.bias"));
            return SoftmaxCrossEntropy(batch, 10, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch));
    }

    [Fact]
    public void Residual_graph_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(5, batch * Residual.InputLength);
        int[] labels = [1, 2];
        var net = new Residual { Threads = 2 };
        net.InitializeParameters(3);
        var same = new Conv2DGeometry(4, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var stem = same with { InChannels = 2 };
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, Conv2DForward(stem, batch, xd, w("Stem.weight")!, w("Stem.bias")));
            var r = Act(Dsl.Act.Softplus, Conv2DForward(same, batch, h, w("Body1.weight")!, w("Body1.bias")));
            r = Conv2DForward(same, batch, r, w("Body2.weight")!, w("Body2.bias"));
            var s = Act(Dsl.Act.Tanh, ReferenceGraphOps.Add(h, r));
            s = GlobalAvgPoolForward(batch, 4, 36, s);
            s = DenseForward(batch, 4, 3, s, w("Logits.weight")!, w("Logits.bias"));
            return SoftmaxCrossEntropy(batch, 3, s, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 40);
    }

    [Fact]
    public void Inception_graph_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(6, batch * Inception.InputLength);
        int[] labels = [0, 2];
        var net = new Inception { Threads = 2 };
        net.InitializeParameters(8);
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var b1 = Act(Dsl.Act.Tanh, Conv2DForward(new Conv2DGeometry(3, 5, 5, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1), batch, xd, w("Branch1.weight")!, w("Branch1.bias")));
            var b3 = Act(Dsl.Act.Tanh, Conv2DForward(new Conv2DGeometry(3, 5, 5, 2, 1, 1, 1, 1, 0, 0, 1, 1, 1), batch, xd, w("Reduce3.weight")!, w("Reduce3.bias")));
            b3 = Act(Dsl.Act.Softplus, Conv2DForward(new Conv2DGeometry(2, 5, 5, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1), batch, b3, w("Branch3.weight")!, w("Branch3.bias")));
            var b5 = Act(Dsl.Act.Sigmoid, Conv2DForward(new Conv2DGeometry(3, 5, 5, 2, 5, 5, 1, 1, 2, 2, 1, 1, 1), batch, xd, w("Branch5.weight")!, w("Branch5.bias")));
            var bp = AvgPoolForward(new Pool2DGeometry(3, 5, 5, 3, 3, 1, 1, 1, 1), batch, xd, countIncludePad: true);
            bp = Conv2DForward(new Conv2DGeometry(3, 5, 5, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1), batch, bp, w("BranchPool.weight")!, w("BranchPool.bias"));
            var h = ReferenceGraphOps.ConcatChannels(batch, 25, (2, b1), (3, b3), (2, b5), (1, bp));
            h = GlobalAvgPoolForward(batch, 8, 25, h);
            h = DenseForward(batch, 8, 3, h, w("Logits.weight")!, w("Logits.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 40);
    }

    /// <summary>[Block]s inlined per use: two basic blocks whose identity is the input, then one with a stride and its
    /// downsample path; parameter names follow the blocks' nesting (<c>Layer2.0.Downsample_0.weight</c>).</summary>
    [Fact]
    public void Block_resnet_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(15, batch * TinyResNet.InputLength);
        int[] labels = [2, 0];
        var net = new TinyResNet { Threads = 2 };
        net.InitializeParameters(4);
        var xd = TestData.ToDouble(x);
        Conv2DGeometry Conv(int cin, int size, int cout, int k, int stride, int pad) => new(cin, size, size, cout, k, k, stride, stride, pad, pad, 1, 1, 1);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, Conv2DForward(Conv(2, 7, 4, 3, 1, 1), batch, xd, w("Conv1.weight")!, w("Conv1.bias")));
            foreach (var block in new[] { "Layer1.0", "Layer1.1" })
            {
                var r = Act(Dsl.Act.Softplus, Conv2DForward(Conv(4, 7, 4, 3, 1, 1), batch, h, w(block + ".Conv1.weight")!, w(block + ".Conv1.bias")));
                r = Conv2DForward(Conv(4, 7, 4, 3, 1, 1), batch, r, w(block + ".Conv2.weight")!, w(block + ".Conv2.bias"));
                h = Act(Dsl.Act.Softplus, ReferenceGraphOps.Add(r, h));
            }
            var s = Act(Dsl.Act.Softplus, Conv2DForward(Conv(4, 7, 6, 3, 2, 1), batch, h, w("Layer2.0.Conv1.weight")!, w("Layer2.0.Conv1.bias")));
            s = Conv2DForward(Conv(6, 4, 6, 3, 1, 1), batch, s, w("Layer2.0.Conv2.weight")!, w("Layer2.0.Conv2.bias"));
            var down = Conv2DForward(Conv(4, 7, 6, 1, 2, 0), batch, h, w("Layer2.0.Downsample_0.weight")!, null);
            h = Act(Dsl.Act.Softplus, ReferenceGraphOps.Add(s, down));
            h = GlobalAvgPoolForward(batch, 6, 16, h);
            h = DenseForward(batch, 6, 3, h, w("Fc.weight")!, w("Fc.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 30);
        Assert.DoesNotContain(net.ParameterTensors, t => t.Name.StartsWith("Layer1.0.Downsample_0", StringComparison.Ordinal));
    }

    /// <summary>Two inception modules, each four branches of nested [Block]s sized by the module's constructor arguments.</summary>
    [Fact]
    public void Block_googlenet_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(16, batch * TinyGoogLeNet.InputLength);
        int[] labels = [1, 2];
        var net = new TinyGoogLeNet { Threads = 2 };
        net.InitializeParameters(5);
        var xd = TestData.ToDouble(x);
        double[] Unit(Func<string, double[]?> w, string name, double[] input, int cin, int cout, int k)
            => Act(Dsl.Act.Softplus, Conv2DForward(new Conv2DGeometry(cin, 5, 5, cout, k, k, 1, 1, (k - 1) / 2, (k - 1) / 2, 1, 1, 1), batch, input, w(name + ".Conv.weight")!, w(name + ".Conv.bias")));
        double[] Module(Func<string, double[]?> w, string m, double[] input, int cin, int c1, int c3r, int c3, int c5r, int c5, int pp)
        {
            var b1 = Unit(w, m + ".Branch1", input, cin, c1, 1);
            var b2 = Unit(w, m + ".Branch2_1", Unit(w, m + ".Branch2_0", input, cin, c3r, 1), c3r, c3, 3);
            var b3 = Unit(w, m + ".Branch3_1", Unit(w, m + ".Branch3_0", input, cin, c5r, 1), c5r, c5, 3);
            var pooled = MaxPoolForward(new Pool2DGeometry(cin, 5, 5, 3, 3, 1, 1, 1, 1), batch, input).y;
            var b4 = Unit(w, m + ".Branch4_1", pooled, cin, pp, 1);
            return ReferenceGraphOps.ConcatChannels(batch, 25, (c1, b1), (c3, b2), (c5, b3), (pp, b4));
        }
        Check(net, w =>
        {
            var h = Module(w, "Inception3a", xd, 3, 2, 2, 3, 1, 2, 1);
            h = Module(w, "Inception3b", h, 8, 3, 2, 2, 1, 1, 2);
            h = GlobalAvgPoolForward(batch, 8, 25, h);
            h = DenseForward(batch, 8, 3, h, w("Fc.weight")!, w("Fc.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 20);
    }

    [Fact]
    public void Every_layer_kind_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(2, batch * Zoo.InputLength);
        int[] labels = [2, 0];
        var net = new Zoo { Threads = 2 };
        net.InitializeParameters(9);
        var wide = new Conv2DGeometry(2, 9, 11, 4, 3, 5, 2, 2, 1, 2, 1, 1, 1);
        var depthwise = new Conv2DGeometry(4, 5, 6, 4, 3, 3, 1, 1, 2, 2, 2, 2, 4);
        var pointwise = new Conv2DGeometry(4, 5, 6, 6, 1, 1, 1, 1, 0, 0, 1, 1, 2);
        var smooth = new Pool2DGeometry(6, 5, 6, 3, 3, 1, 1, 1, 1);
        var down = new Pool2DGeometry(6, 5, 6, 2, 2, 1, 1, 0, 0);
        var mix = new Conv2DGeometry(6, 3, 4, 5, 2, 2, 1, 1, 0, 0, 1, 1, 1);
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, Conv2DForward(wide, batch, xd, w("Wide.weight")!, w("Wide.bias")));
            h = Act(Dsl.Act.Softplus, Conv2DForward(depthwise, batch, h, w("Depthwise.weight")!, null));
            h = Act(Dsl.Act.Sigmoid, Conv2DForward(pointwise, batch, h, w("Pointwise.weight")!, w("Pointwise.bias")));
            h = AvgPoolForward(smooth, batch, h, countIncludePad: false);
            h = ReferenceGraphOps.LrnForward(batch, 6, 30, 4, 0.5, 0.75, 2, h);   // even size: the window reaches 2 below, 1 above
            h = Act(Dsl.Act.LeakyReLU, h, 0.1);
            h = MaxPoolForward(down, batch, h).y;
            h = ReferenceGraphOps.AdaptiveAvgPool(batch, 6, 4, 5, 3, 4, h);   // overlapping bins on both axes
            h = Act(Dsl.Act.Tanh, Conv2DForward(mix, batch, h, w("Mix.weight")!, w("Mix.bias")));
            h = GlobalAvgPoolForward(batch, 5, 6, h);
            h = Act(Dsl.Act.Softplus, DenseForward(batch, 5, 7, h, w("Hidden.weight")!, null));
            h = DenseForward(batch, 7, 3, h, w("Logits.weight")!, w("Logits.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 40);
    }

    /// <summary>BatchNorm2D and BatchNorm1D in training mode: the reference normalises with the WHOLE batch's statistics,
    /// so the check fails if the CPU pass normalised each shard alone (7 samples over 3 shards: 3, 2, 2).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void BatchNorm_network_matches_finite_differences_with_whole_batch_statistics(int threads)
    {
        const int batch = 7;
        var x = TestData.Uniform(12, batch * Normalized.InputLength);
        int[] labels = [0, 2, 1, 1, 0, 2, 2];
        var net = new Normalized { Threads = threads };
        net.InitializeParameters(6);
        var rng = new Random(3);
        foreach (var name in new[] { "Bn.weight", "Bn.bias", "Bn1d.weight", "Bn1d.bias" })   // away from γ = 1, β = 0
        {
            var t = net.ParameterTensors.Single(p => p.Name == name).Values;
            for (int i = 0; i < t.Length; i++) t[i] = (name.EndsWith("weight") ? 1f : 0f) + (rng.NextSingle() - 0.5f);
        }
        var conv = new Conv2DGeometry(2, 4, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var pool = new Pool2DGeometry(3, 4, 6, 2, 2, 2, 2, 0, 0);
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Conv2DForward(conv, batch, xd, w("Conv.weight")!, null);
            h = ReferenceGraphOps.BatchNormTraining(batch, 3, 24, h, w("Bn.weight"), w("Bn.bias"), 1e-5f).Y;
            h = Act(Dsl.Act.Softplus, h);
            h = AvgPoolForward(pool, batch, h, countIncludePad: true);
            h = DenseForward(batch, 18, 5, h, w("Hidden.weight")!, null);
            h = ReferenceGraphOps.BatchNormTraining(batch, 5, 1, h, w("Bn1d.weight"), w("Bn1d.bias"), 1e-3f).Y;
            h = Act(Dsl.Act.Tanh, h);
            h = DenseForward(batch, 5, 3, h, w("Logits.weight")!, w("Logits.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 40);
    }

    /// <summary>BatchNorm without γ, β, one straight on the network input (nothing upstream needs its dL/dx).</summary>
    [Fact]
    public void BatchNorm_without_affine_on_the_input_matches_finite_differences()
    {
        const int batch = 5;
        var x = TestData.Uniform(13, batch * NormalizedPlain.InputLength);
        int[] labels = [2, 0, 1, 2, 1];
        var net = new NormalizedPlain { Threads = 2 };
        net.InitializeParameters(7);
        var conv = new Conv2DGeometry(3, 4, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = ReferenceGraphOps.BatchNormTraining(batch, 3, 16, xd, null, null, 1e-5f).Y;
            h = Act(Dsl.Act.Tanh, Conv2DForward(conv, batch, h, w("Conv.weight")!, w("Conv.bias")));
            h = GlobalAvgPoolForward(batch, 4, 16, h);
            h = DenseForward(batch, 4, 6, h, w("Hidden.weight")!, null);
            h = ReferenceGraphOps.BatchNormTraining(batch, 6, 1, h, null, null, 1e-5f).Y;
            h = DenseForward(batch, 6, 3, h, w("Logits.weight")!, w("Logits.bias"));
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch), samplesPerTensor: 40);
    }

    [Fact]
    public void Window_options_and_spatial_pyramid_match_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(5, batch * Pyramid.InputLength);
        int[] labels = [1, 2];
        var net = new Pyramid { Threads = 2 };
        net.InitializeParameters(3);
        var shifted = new Conv2DGeometry(2, 9, 8, 3, 3, 3, 1, 1, 1, 0, 1, 1, 1) { PadBottom = 2, PadRight = 1 };   // → 3x10x7
        var down = new Pool2DGeometry(3, 10, 7, 3, 3, 2, 2, 0, 0) { CeilMode = true };                           // → 3x5x3 (floor: 4x3)
        var smooth = new Pool2DGeometry(3, 5, 3, 2, 2, 2, 2, 1, 0) { PadBottom = 0, PadRight = 0, CeilMode = true };   // → 3x3x2, last column window past the input
        Assert.Equal((5, 3), PoolOutput(down));
        Assert.Equal((3, 2), PoolOutput(smooth));
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, Conv2DForward(shifted, batch, xd, w("Shifted.weight")!, w("Shifted.bias")));
            h = MaxPoolForward(down, batch, h).y;
            h = AvgPoolForward(smooth, batch, h, countIncludePad: true);
            h = ReferenceGraphOps.SppForward(batch, 3, 3, 2, [2, 1], h);
            h = DenseForward(batch, 15, 3, h, w("Logits.weight")!, w("Logits.bias"));
            h = ReferenceGraphOps.SoftmaxForward(batch, 3, h, log: true);
            return SoftmaxCrossEntropy(batch, 3, h, labels) / batch;
        }, () => net.ComputeGradients(x, labels, batch));
    }

    /// <summary>Labels with the ignore index (−1) and every class, so weights, skipping and the weighted divisor all count.</summary>
    private static readonly int[] s_weightedLabels = [2, -1, 0, 1, 2, -1, 1];

    [Fact]
    public void Class_weights_and_ignore_index_match_finite_differences()
    {
        int batch = s_weightedLabels.Length;
        var x = TestData.Uniform(8, batch * WeightedClassifier.InputLength);
        var net = new WeightedClassifier { Threads = 2 };
        net.InitializeParameters(6);
        var xd = TestData.ToDouble(x);
        double[] weights = [0.5, 2, 1.25];
        double Reference(Func<string, double[]?> w)
        {
            var h = Act(Dsl.Act.Tanh, DenseForward(batch, 4, 5, xd, w("Hidden.weight")!, w("Hidden.bias")));
            h = DenseForward(batch, 5, 3, h, w("Logits.weight")!, w("Logits.bias"));
            return ReferenceGraphOps.WeightedCrossEntropyMean(batch, 3, h, s_weightedLabels, weights, ignore: -1);
        }
        float loss = 0;
        Check(net, w => Reference(w), () => loss = net.ComputeGradients(x, s_weightedLabels, batch));
        double expected = Reference(name => net.ParameterTensors.First(t => t.Name == name).Values.ToArray().Select(v => (double)v).ToArray());
        Assert.True(Math.Abs(loss - expected) <= 1e-5 * Math.Max(1, expected), $"loss {loss:R}, reference {expected:R}");
    }

    [DeepPsych.Dsl.Tests.Checkpoints.TorchFact]
    public void Class_weights_and_ignore_index_match_pytorch_cross_entropy()
    {
        int batch = s_weightedLabels.Length;
        var x = TestData.Uniform(9, batch * WeightedClassifier.InputLength);
        var net = new WeightedClassifier { Threads = 2 };
        net.InitializeParameters(7);
        net.ZeroGradients();
        float loss = net.ComputeGradients(x, s_weightedLabels, batch);
        string Tensor(string name) => ReferenceGraphOps.PyList(net.ParameterTensors.First(t => t.Name == name).Values.ToArray());
        string output = DeepPsych.Dsl.Tests.Checkpoints.TorchPython.Run($$"""
            f = torch.float64
            x = torch.tensor({{ReferenceGraphOps.PyList(x)}}, dtype=f).reshape({{batch}}, 4)
            w1 = torch.tensor({{Tensor("Hidden.weight")}}, dtype=f).reshape(5, 4).requires_grad_(True)
            b1 = torch.tensor({{Tensor("Hidden.bias")}}, dtype=f).requires_grad_(True)
            w2 = torch.tensor({{Tensor("Logits.weight")}}, dtype=f).reshape(3, 5).requires_grad_(True)
            b2 = torch.tensor({{Tensor("Logits.bias")}}, dtype=f).requires_grad_(True)
            z = torch.nn.functional.linear(torch.tanh(torch.nn.functional.linear(x, w1, b1)), w2, b2)
            loss = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.5, 2.0, 1.25], dtype=f), ignore_index=-1)(z, torch.tensor({{ReferenceGraphOps.PyList(s_weightedLabels)}}))
            loss.backward()
            print(repr(float(loss)))
            for t in (w1, b1, w2, b2): print(" ".join(repr(float(v)) for v in t.grad.flatten()))
            """);
        var lines = output.Trim().Split('\n');
        double torchLoss = double.Parse(lines[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Math.Abs(loss - torchLoss) <= 1e-5 * Math.Max(1, torchLoss), $"loss {loss:R} here, {torchLoss:R} in PyTorch");
        string[] names = ["Hidden.weight", "Hidden.bias", "Logits.weight", "Logits.bias"];
        for (int k = 0; k < names.Length; k++)
        {
            var t = net.ParameterTensors.First(p => p.Name == names[k]);
            Parity.AssertClose(names[k] + " gradient", t.Gradients, TestData.ToDouble(ReferenceGraphOps.ParseLine(lines[k + 1])), 1e-5);
        }
    }

    [Fact]
    public void Softmax_output_trained_with_mean_squared_error_matches_finite_differences()
    {
        const int batch = 3;
        var x = TestData.Uniform(6, batch * Probabilities.InputLength);
        var targets = TestData.Uniform(7, batch * Probabilities.OutputLength, 0f, 1f);
        var net = new Probabilities { Threads = 2 };
        net.InitializeParameters(5);
        var xd = TestData.ToDouble(x);
        var td = TestData.ToDouble(targets);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, DenseForward(batch, 5, 4, xd, w("Hidden.weight")!, w("Hidden.bias")));
            h = DenseForward(batch, 4, 3, h, w("Scores.weight")!, w("Scores.bias"));
            h = ReferenceGraphOps.SoftmaxForward(batch, 3, h, log: false);
            return SquaredError(h, td) / h.Length;
        }, () => net.ComputeGradients(x, targets, batch));
    }

    [Fact]
    public void Mean_squared_error_with_dropout_matches_finite_differences()
    {
        const int batch = 2;
        var x = TestData.Uniform(3, batch * Regressor.InputLength);
        var targets = TestData.Uniform(4, batch * Regressor.OutputLength);
        var net = new Regressor { Threads = 2, Seed = 21 };
        net.InitializeParameters(4);
        const long step = 8;
        // The mask the network will draw at this step: a pure function of (seed, step, element).
        var ones = Enumerable.Repeat(1f, batch * 4 * 36).ToArray();
        var mask = new float[ones.Length];
        DropoutOp.Forward(0.3f, 21, step, 0, ones, new float[ones.Length], mask);
        Assert.Contains(0f, mask);
        var c1 = new Conv2DGeometry(3, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        var c2 = new Conv2DGeometry(4, 6, 6, 2, 2, 2, 2, 2, 0, 0, 1, 1, 1);
        var xd = TestData.ToDouble(x);
        var td = TestData.ToDouble(targets);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Tanh, Conv2DForward(c1, batch, xd, w("C1.weight")!, w("C1.bias")));
            h = h.Select((v, i) => v * mask[i]).ToArray();
            h = Conv2DForward(c2, batch, h, w("C2.weight")!, w("C2.bias"));
            return SquaredError(h, td) / h.Length;
        }, () => { net.Step = step; net.ComputeGradients(x, targets, batch); });
    }

    [Fact]
    public void Xor_matches_finite_differences()
    {
        float[] x = [0, 0, 0, 1, 1, 0, 1, 1];
        float[] t = [0, 1, 1, 0];
        var net = new XorMlp { Threads = 2 };
        var xd = TestData.ToDouble(x);
        Check(net, w =>
        {
            var h = Act(Dsl.Act.Sigmoid, DenseForward(4, 2, 2, xd, w("Hidden.weight")!, w("Hidden.bias")));
            h = Act(Dsl.Act.Sigmoid, DenseForward(4, 2, 1, h, w("Output.weight")!, w("Output.bias")));
            return SquaredError(h, TestData.ToDouble(t)) / 4;
        }, () => net.ComputeGradients(x, t, 4));
    }
}
