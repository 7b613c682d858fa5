using BenchmarkDotNet.Attributes;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>MaxPool 2×2/2 forward (the vector path: 16 outputs a step with AVX-512, 8 with AVX2) on VGG-16's first pooling
/// input, 8 × 64 × 224 × 224, and on LeNet-5's, 64 × 6 × 28 × 28 (14 outputs a row: one partly used step), one thread.
/// Run with <c>--envVars DOTNET_EnableAVX512:0</c> for the AVX2 path.</summary>
public class MaxPoolBenchmarks
{
    private float[] _x = null!, _y = null!, _lx = null!, _ly = null!;
    private int[] _argmax = null!, _largmax = null!;
    private static readonly Pool2DGeometry Vgg = new(64, 224, 224, 2, 2, 2, 2, 0, 0), LeNet = new(6, 28, 28, 2, 2, 2, 2, 0, 0);

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(3);
        _x = new float[8 * Vgg.InputLength]; _lx = new float[64 * LeNet.InputLength];
        for (int i = 0; i < _x.Length; i++) _x[i] = r.NextSingle() * 2 - 1;
        for (int i = 0; i < _lx.Length; i++) _lx[i] = r.NextSingle() * 2 - 1;
        _y = new float[8 * Vgg.OutputLength]; _argmax = new int[_y.Length];
        _ly = new float[64 * LeNet.OutputLength]; _largmax = new int[_ly.Length];
    }

    [Benchmark(Description = "MaxPool 2x2/2, 8x64x224x224, forward")]
    public void Vgg16() => MaxPool2DOp.Forward(Vgg, 8, _x, _y, _argmax);

    [Benchmark(Description = "MaxPool 2x2/2, 64x6x28x28, forward")]
    public void LeNet5() => MaxPool2DOp.Forward(LeNet, 64, _lx, _ly, _largmax);
}
