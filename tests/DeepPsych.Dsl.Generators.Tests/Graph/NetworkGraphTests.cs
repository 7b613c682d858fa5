using DeepPsych.Dsl.Generators.Graph;

namespace DeepPsych.Dsl.Generators.Tests.Graph;

/// <summary>The graph model on hand-built graphs: consumers, topological order, reachability, and the checks that
/// guard the generator's own wiring.</summary>
public class NetworkGraphTests
{
    private static NetworkGraph Build(params int[][] inputs) => new(inputs.Select(i => (IReadOnlyList<int>)i).ToList());

    [Fact]
    public void Sequential_declaration_is_a_chain_in_declaration_order()
    {
        var graph = Build([-1], [0], [1]);
        Assert.Null(graph.Problem);
        Assert.Equal([0, 1, 2], graph.TopologicalOrder);
        Assert.Equal([0], graph.Consumers(NetworkGraph.NetworkInput));
        Assert.Equal([2], graph.Consumers(1));
        Assert.Empty(graph.Consumers(2));
        Assert.Equal([0, 1], graph.Ancestors(2));
    }

    [Fact]
    public void A_value_read_twice_has_two_consumers_and_a_node_runs_after_all_its_inputs()
    {
        // 0 ← input; 1 reads 3 (declared later); 2 reads 0; 3 reads 0; 4 = add(1, 2)
        var graph = Build([-1], [3], [0], [0], [1, 2]);
        Assert.Null(graph.Problem);
        Assert.Equal([2, 3], graph.Consumers(0));
        Assert.Equal([0, 2, 3, 1, 4], graph.TopologicalOrder);
        Assert.Equal([0, 1, 2, 3], graph.Ancestors(4));

        // Reachability: only node 0 has parameters, so everything but node 0 has something trainable upstream.
        Assert.Equal([false, true, true, true, true], graph.TrainableUpstream(n => n == 0));
        Assert.Equal([false, false, false, false, false], graph.TrainableUpstream(n => n == 4));
    }

    [Fact]
    public void A_cycle_or_a_missing_input_is_found()
    {
        Assert.True(Build([-1], [2], [1]).HasCycle);
        Assert.Contains("reads value 7", Build([-1], [7]).Problem);
        Assert.Contains("no inputs", Build([-1], []).Problem);
    }
}
