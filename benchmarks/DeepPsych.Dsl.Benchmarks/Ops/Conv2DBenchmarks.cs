using BenchmarkDotNet.Attributes;

namespace DeepPsych.Dsl.Benchmarks.Ops;

/// <summary>The convolutions of benchmarks/peer/conv_shapes.tsv (3×3 at 64 and 256 channels, 1×1, 7×7/2, 11×11/4, 5×5):
/// forward, and forward + backward (dx, dW, db), the batch split over all cores.</summary>
[MemoryDiagnoser]
public class Conv2DBenchmarks
{
    private Conv2DLayerWorkload _work = null!;

    public static IEnumerable<ConvShape> Shapes => ConvShape.All;

    [ParamsSource(nameof(Shapes))]
    public ConvShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup() => _work = new Conv2DLayerWorkload(Shape);

    [Benchmark(Description = "forward")]
    public void Forward() => _work.Forward();

    [Benchmark(Description = "forward+backward")]
    public void ForwardBackward() => _work.ForwardBackward();
}
