using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.TestNetworks;
using Examples.FashionMnist;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>The generated backward's "gradients ready" reports (<see cref="IReportsGradientsReady"/>), which data-parallel
/// training uses to start each bucket's all-reduce while earlier layers still compute: every parameter is reported
/// exactly once per step, layers in reverse order, and a reported range already holds its final value.</summary>
public sealed class GradientReadyTests
{
    /// <summary>Records each report and a copy of the reported range as it was at that moment.</summary>
    private sealed class Recorder(INeuralNetwork network) : IGradientReadySink
    {
        public readonly List<(int Offset, int Length, float[] Values)> Reports = [];
        public void GradientsReady(int offset, int length) => Reports.Add((offset, length, network.Gradients.AsSpan(offset, length).ToArray()));
    }

    private static Recorder Step(INeuralNetwork net, int batch, int classes, int seed)
    {
        var recorder = new Recorder(net);
        ((IReportsGradientsReady)net).GradientReadySink = recorder;
        var (x, _) = TrainingTests.Data(batch, seed, net.InputLength);
        var labels = Enumerable.Range(0, batch).Select(i => (i * 7 + seed) % classes).ToArray();
        net.ZeroGradients();
        net.ComputeGradients(x, labels, batch);
        return recorder;
    }

    /// <summary>Every float of the block in exactly one report, and each report's values equal to the step's final gradients
    /// (nothing was added to a range after it was reported).</summary>
    private static void AssertExactlyOnceAndFinal(INeuralNetwork net, Recorder recorder)
    {
        var seen = new int[net.Gradients.Length];
        foreach (var (offset, length, values) in recorder.Reports)
        {
            for (int i = offset; i < offset + length; i++) seen[i]++;
            Assert.Equal(net.Gradients.AsSpan(offset, length).ToArray(), values);
        }
        int wrong = Array.FindIndex(seen, n => n != 1);
        Assert.True(wrong < 0, $"gradient {wrong} was reported {(wrong < 0 ? 0 : seen[wrong])} times");
        Assert.Contains(net.Gradients, g => g != 0);   // the step did compute gradients
    }

    /// <summary>(offset, length) of each layer's tensors, in the order the layers are declared.</summary>
    private static List<(int Offset, int Length)> LayerRanges(INeuralNetwork net) =>
        net.Layers.Where(l => l.Parameters.Count > 0)
            .Select(l => (l.Parameters[0].Offset, l.Parameters.Sum(p => p.Length))).ToList();

    [Fact]
    public void One_shard_reports_each_layer_once_in_reverse_order_as_soon_as_it_is_final()
    {
        var net = new LeNet5 { Threads = 1 };
        var recorder = Step(net, 32, 10, seed: 1);
        AssertExactlyOnceAndFinal(net, recorder);
        var expected = LayerRanges(net);
        expected.Reverse();   // Output, F6, F5, C3, C1
        Assert.Equal(expected, recorder.Reports.Select(r => (r.Offset, r.Length)).ToList());
    }

    /// <summary>A batch larger than one round (LeNet-5 rounds hold 128 samples per shard: 300 samples are three rounds): the
    /// layers are reported in the last round only, when every round has added into them.</summary>
    [Fact]
    public void One_shard_in_several_rounds_reports_each_layer_once_in_the_last_round()
    {
        var net = new LeNet5 { Threads = 1 };
        var recorder = Step(net, 300, 10, seed: 4);
        AssertExactlyOnceAndFinal(net, recorder);
        var expected = LayerRanges(net);
        expected.Reverse();
        Assert.Equal(expected, recorder.Reports.Select(r => (r.Offset, r.Length)).ToList());
    }

    /// <summary>Several shards in several rounds (batch 600, two threads): the whole block once, after the last round's sum.</summary>
    [Fact]
    public void Several_shards_in_several_rounds_report_the_whole_block_once()
    {
        var net = new LeNet5 { Threads = 2 };
        var recorder = Step(net, 600, 10, seed: 5);
        Assert.Equal([(0, LeNet5.ParameterCount)], recorder.Reports.Select(r => (r.Offset, r.Length)).ToList());
        AssertExactlyOnceAndFinal(net, recorder);
    }

    [Fact]
    public void Several_shards_report_the_whole_block_once_after_summing_it()
    {
        var net = new LeNet5 { Threads = 2 };
        var recorder = Step(net, 64, 10, seed: 2);
        Assert.Equal([(0, LeNet5.ParameterCount)], recorder.Reports.Select(r => (r.Offset, r.Length)).ToList());
        AssertExactlyOnceAndFinal(net, recorder);
    }

    [Fact]
    public void A_batch_norm_network_reports_each_layer_once_in_reverse_order_across_its_stages()
    {
        var net = new Normalized { Threads = 1 };
        var recorder = Step(net, 16, 3, seed: 3);
        AssertExactlyOnceAndFinal(net, recorder);
        var expected = LayerRanges(net);
        expected.Reverse();
        Assert.Equal(expected, recorder.Reports.Select(r => (r.Offset, r.Length)).ToList());
    }

    [Fact]
    public void A_graph_network_reports_every_parameter_once_with_its_final_value()
    {
        var net = new TinyResNet { Threads = 1 };
        AssertExactlyOnceAndFinal(net, Step(net, 16, 3, seed: 4));
    }

    [Fact]
    public void Without_a_sink_nothing_is_reported_and_a_removed_sink_hears_no_more()
    {
        var net = new LeNet5 { Threads = 1 };
        var recorder = Step(net, 8, 10, seed: 5);
        ((IReportsGradientsReady)net).GradientReadySink = null;
        int before = recorder.Reports.Count;
        var (x, y) = TrainingTests.Data(8, seed: 6);
        net.ComputeGradients(x, y, 8);
        Assert.Equal(before, recorder.Reports.Count);
    }
}
