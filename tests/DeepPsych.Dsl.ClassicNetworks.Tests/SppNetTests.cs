extern alias Classic;
using Classic::Examples.ClassicNetworks;

namespace DeepPsych.Dsl.ClassicNetworks.Tests;

/// <summary>SPP-net's point: the pyramid makes the fully connected layers' input the same length at every image size, so
/// one set of weights serves two input sizes (examples/ClassicNetworks/SppNet.cs): the 180×180 network is built over the
/// 224×224 one's parameter block, as He et al. train at two sizes.</summary>
public sealed class SppNetTests
{
    [Fact]
    public void One_set_of_weights_runs_at_224_and_180()
    {
        var large = new SppNet224 { Threads = 2 };
        var small = new SppNet180(sharesParametersWith: large) { Threads = 2 };
        Assert.Equal(large.ParameterTensors.Select(p => (p.Name, string.Join("x", p.Shape), p.Offset)),
            small.ParameterTensors.Select(p => (p.Name, string.Join("x", p.Shape), p.Offset)));
        Assert.Equal(new[] { 256 * (36 + 9 + 4 + 1) }, large.Net.Spp.OutputShape);
        Assert.Equal(new[] { 256 * (36 + 9 + 4 + 1) }, small.Net.Spp.OutputShape);
        Assert.Equal(new[] { 256, 13, 13 }, large.Net.Features.Conv5.OutputShape);
        Assert.Equal(new[] { 256, 10, 10 }, small.Net.Features.Conv5.OutputShape);

        large.InitializeParameters(7);   // through the one block both read
        Assert.Same(large.Parameters, small.Parameters);
        var rng = new Random(3);
        float[] Image(int side) => Enumerable.Range(0, 3 * side * side).Select(_ => rng.NextSingle() * 2 - 1).ToArray();
        var a = new float[1000];
        var b = new float[1000];
        large.Forward(Image(224), a, 1);
        small.Forward(Image(180), b, 1);
        Assert.All(a.Concat(b), v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(a, b);   // different images, same weights: a real output each, not a copy
    }
}
