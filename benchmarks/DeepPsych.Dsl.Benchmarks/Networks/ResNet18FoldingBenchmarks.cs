using BenchmarkDotNet.Attributes;
using Examples.ClassicNetworks;

namespace DeepPsych.Dsl.Benchmarks.Networks;

/// <summary>ResNet-18 inference at batch 1, 224 × 224 (examples/ClassicNetworks): the network's eval-mode Forward (each
/// of its 20 BatchNorms a pass over its map) against <c>FreezeForInference()</c> (all 20 folded into the convolution before
/// them). The FMA peak runs in the same job, so each time reads as a share of it: FLOPs per forward are
/// <see cref="ResNet18.FlopsPerSample"/>, FLOPs per peak call <see cref="FmaPeak.FlopsPerCall"/>.</summary>
[MemoryDiagnoser]
public class ResNet18FoldingBenchmarks
{
    private ResNet18 _network = null!;
    private InferenceSnapshot _frozen = null!;
    private float[] _image = null!, _logits = null!;

    [GlobalSetup]
    public void Setup()
    {
        _network = new ResNet18();
        var random = new Random(1);
        foreach (var b in _network.Buffers.Where(b => !b.IsInt64))   // trained-looking statistics (0 and 1 would not change the work)
            foreach (ref float v in b.Values) v = b.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 0.5f + random.NextSingle() : random.NextSingle() - 0.5f;
        _frozen = _network.FreezeForInference();
        _image = new float[ResNet18.InputLength];
        for (int i = 0; i < _image.Length; i++) _image[i] = random.NextSingle() * 2 - 1;
        _logits = new float[ResNet18.OutputLength];
        Console.WriteLine($"// ResNet-18: {ResNet18.FlopsPerSample:N0} FLOPs per forward (BatchNorm passes included), FMA peak call {FmaPeak.FlopsPerCall:N0} FLOPs, {_frozen}");
    }

    [Benchmark(Baseline = true, Description = "ResNet-18 b1 224x224, eval Forward (20 BatchNorm passes)")]
    public void Unfolded() => _network.Forward(_image, _logits, 1);

    [Benchmark(Description = "ResNet-18 b1 224x224, FreezeForInference (20 BatchNorms folded)")]
    public void Folded() => _frozen.Forward(_image, _logits, 1);

    [Benchmark(Description = "FMA peak, every core")]
    public void Peak() => FmaPeak.Run();
}
