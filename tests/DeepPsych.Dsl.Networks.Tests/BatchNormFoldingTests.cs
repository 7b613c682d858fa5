using DeepPsych.Dsl.TestNetworks;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary><c>FreezeForInference</c>: the snapshot folds the BatchNorms the planner chose into the layer before them and
/// gives the network's own eval-mode Forward; BatchNorms that cannot fold stay passes; the snapshot is a copy.</summary>
public class BatchNormFoldingTests
{
    /// <summary>A network whose BatchNorms are far from the identity: γ in [0.5, 1.5], β (and every bias) in [−0.5, 0.5],
    /// running mean in [−0.5, 0.5] and running variance in [0.2, 2] (fresh statistics, 0 and 1, would hide a wrong fold).</summary>
    private static T Prepared<T>(int seed) where T : INeuralNetwork, new()
    {
        var net = new T();
        net.InitializeParameters(seed);
        var random = new Random(seed);
        foreach (var p in net.ParameterTensors)
        {
            bool gamma = net.Buffers.Any(b => b.Name == p.Name.Replace(".weight", ".running_mean"));
            if (gamma || p.IsBias)
                foreach (ref float v in p.Values) v = (float)(gamma ? 0.5 + random.NextDouble() : random.NextDouble() - 0.5);
        }
        foreach (var b in net.Buffers.Where(b => !b.IsInt64))
            foreach (ref float v in b.Values) v = (float)(b.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 0.2 + 1.8 * random.NextDouble() : random.NextDouble() - 0.5);
        return net;
    }

    /// <summary>Folded against unfolded, both float32: the folded weights W·s are rounded once (2⁻²⁴ relative each) and
    /// b' collects (b − μ)·s + β in another order than the BatchNorm pass, so each folded output differs by a few ulp of
    /// the largest term; through these small networks that stays below 1e-5 of the largest output.</summary>
    private static void SameOutputs<T>(int seed, Func<T, InferenceSnapshot> freeze) where T : INeuralNetwork, new()
    {
        var net = Prepared<T>(seed);
        const int batch = 5;
        var x = TestData.Uniform(seed + 1, batch * net.InputLength, -1f, 2f);
        var expected = new float[batch * net.OutputLength];
        net.Forward(x, expected, batch);
        var actual = new float[expected.Length];
        freeze(net).Forward(x, actual, batch);
        double scale = expected.Max(v => Math.Abs(v));
        Assert.True(scale > 0.1, "outputs near zero would compare trivially");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"{typeof(T).Name} output {i}: unfolded {expected[i]:R}, folded {actual[i]:R}");
    }

    [Fact] public void Normalized_folded_equals_unfolded() => SameOutputs<Normalized>(3, n => n.FreezeForInference());
    [Fact] public void NormalizedPlain_folded_equals_unfolded() => SameOutputs<NormalizedPlain>(4, n => n.FreezeForInference());
    [Fact] public void NormalizedBlocks_folded_equals_unfolded() => SameOutputs<NormalizedBlocks>(5, n => n.FreezeForInference());
    [Fact] public void PartlyFoldable_folded_equals_unfolded() => SameOutputs<PartlyFoldable>(6, n => n.FreezeForInference());
    [Fact] public void TinyResNet_without_BatchNorm_freezes_to_the_same_outputs() => SameOutputs<TinyResNet>(7, n => n.FreezeForInference());

    [Fact]
    public void The_planner_folds_a_BatchNorm_only_after_an_affine_layer_whose_output_nothing_else_reads()
    {
        Assert.Equal(["Bn into Conv", "Bn1d into Hidden"], new Normalized().FreezeForInference().Folds);
        Assert.Equal(["Norm into Hidden"], new NormalizedPlain().FreezeForInference().Folds);   // InputNorm reads the network input
        Assert.Equal(["Layer1.0.Bn into Layer1.0.Conv", "Layer1.1.Bn into Layer1.1.Conv"], new NormalizedBlocks().FreezeForInference().Folds);
        Assert.Equal(["Bn3 into Conv3"], new PartlyFoldable().FreezeForInference().Folds);       // Bn1: after tanh; Bn2: Conv2 also feeds the Add
        Assert.Empty(new TinyResNet().FreezeForInference().Folds);
    }

    [Fact]
    public void The_snapshot_keeps_the_weights_of_its_moment_and_a_new_one_sees_later_writes()
    {
        var net = Prepared<Normalized>(8);
        const int batch = 3;
        var x = TestData.Uniform(9, batch * Normalized.InputLength, -1f, 2f);
        var before = new float[batch * Normalized.OutputLength];
        net.Forward(x, before, batch);
        var snapshot = net.FreezeForInference();

        foreach (ref float v in net.Bn.RunningMean.Values) v += 0.3f;   // a direct write, as a user or a checkpoint load may do
        net.Parameters[0] *= 2f;
        var after = new float[before.Length];
        net.Forward(x, after, batch);
        Assert.NotEqual(before, after);

        var old = new float[before.Length];
        snapshot.Forward(x, old, batch);
        for (int i = 0; i < old.Length; i++) Assert.True(Math.Abs(old[i] - before[i]) <= 1e-5 * before.Max(Math.Abs), $"output {i}: {before[i]:R} vs {old[i]:R}");
        var fresh = new float[before.Length];
        net.FreezeForInference().Forward(x, fresh, batch);
        for (int i = 0; i < fresh.Length; i++) Assert.True(Math.Abs(fresh[i] - after[i]) <= 1e-5 * after.Max(Math.Abs), $"output {i}: {after[i]:R} vs {fresh[i]:R}");
    }
}
