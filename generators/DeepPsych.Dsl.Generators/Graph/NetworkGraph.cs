namespace DeepPsych.Dsl.Generators.Graph;

/// <summary>The network as a graph of values: value −1 is the network input, value i ≥ 0 is node i's output. Each node
/// names its inputs (one or more values); the graph knows each value's consumers, a topological order and what lies
/// upstream. A sequential declaration is the special case where node i reads value i − 1.</summary>
internal sealed class NetworkGraph
{
    public const int NetworkInput = -1;

    private readonly int[][] _inputs;
    private readonly List<int>[] _consumers;   // index value + 1

    public NetworkGraph(IReadOnlyList<IReadOnlyList<int>> inputs)
    {
        _inputs = inputs.Select(i => i.ToArray()).ToArray();
        _consumers = Enumerable.Range(0, _inputs.Length + 1).Select(_ => new List<int>()).ToArray();
        for (int node = 0; node < _inputs.Length; node++)
            foreach (int value in _inputs[node])
                if (value >= NetworkInput && value < _inputs.Length && !_consumers[value + 1].Contains(node))
                    _consumers[value + 1].Add(node);
        Problem = FindProblem();
        TopologicalOrder = Problem is null ? Sort() : [];
    }

    /// <summary>Number of nodes.</summary>
    public int Count => _inputs.Length;

    public IReadOnlyList<int> Inputs(int node) => _inputs[node];

    /// <summary>The nodes that read <paramref name="value"/> (each once, in declaration order).</summary>
    public IReadOnlyList<int> Consumers(int value) => _consumers[value + 1];

    /// <summary>Why the graph cannot run (an input that does not exist, a cycle), or null.</summary>
    public string? Problem { get; }

    /// <summary>Every node after all of its inputs; among ready nodes, declaration order (so a sequential network keeps its order).</summary>
    public IReadOnlyList<int> TopologicalOrder { get; }

    /// <summary>The nodes upstream of <paramref name="node"/> (its inputs' producers, recursively), in declaration order.</summary>
    public IReadOnlyList<int> Ancestors(int node)
    {
        var seen = new SortedSet<int>();
        var stack = new Stack<int>(_inputs[node]);
        while (stack.Count > 0)
        {
            int value = stack.Pop();
            if (value == NetworkInput || !seen.Add(value)) continue;
            foreach (int input in _inputs[value]) stack.Push(input);
        }
        return seen.ToList();
    }

    /// <summary>Reachability: for each node, whether a node with parameters lies upstream of it (then its inputs need
    /// gradients and its backward must produce dL/dx).</summary>
    public bool[] TrainableUpstream(System.Func<int, bool> hasParameters)
        => Enumerable.Range(0, Count).Select(n => Ancestors(n).Any(hasParameters)).ToArray();

    private string? FindProblem()
    {
        for (int node = 0; node < _inputs.Length; node++)
        {
            if (_inputs[node].Length == 0) return $"node {node} has no inputs";
            foreach (int value in _inputs[node])
                if (value < NetworkInput || value >= _inputs.Length || value == node)
                    return $"node {node} reads value {value}, which is not the network input or another node";
        }
        return null;
    }

    private IReadOnlyList<int> Sort()
    {
        var waiting = _inputs.Select(i => i.Where(v => v != NetworkInput).Distinct().Count()).ToArray();
        var ready = new SortedSet<int>(Enumerable.Range(0, Count).Where(n => waiting[n] == 0));
        var order = new List<int>();
        while (ready.Count > 0)
        {
            int node = ready.Min;
            ready.Remove(node);
            order.Add(node);
            foreach (int consumer in Consumers(node))
                if (--waiting[consumer] == 0) ready.Add(consumer);
        }
        return order.Count == Count ? order : [];   // a cycle leaves nodes waiting
    }

    /// <summary>Whether the graph has a cycle (then <see cref="TopologicalOrder"/> is empty).</summary>
    public bool HasCycle => Problem is null && TopologicalOrder.Count != Count;
}
