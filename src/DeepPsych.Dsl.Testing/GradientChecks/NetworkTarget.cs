namespace DeepPsych.Dsl.Testing;

/// <summary>A network as a check target: its parameter tensors, its training-mode loss recomputed in double from its
/// training-mode outputs, and the gradients of <see cref="INeuralNetwork.ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, int, Span{float})"/>.
/// Every evaluation pins <see cref="INeuralNetwork.Step"/>, so dropout draws the same mask each time.</summary>
internal sealed class NetworkTarget(INeuralNetwork network, TestBatch batch) : ICheckTarget
{
    private readonly long _step = network.Step;
    private readonly float[] _outputs = new float[batch.Batch * network.OutputLength];

    public double NetworkLoss { get; private set; }
    public double ReferenceLoss { get; private set; }

    public int TensorCount => network.ParameterTensors.Count;
    public string TensorName(int t) => network.ParameterTensors[t].Name;
    public IReadOnlyList<int> TensorShape(int t) => network.ParameterTensors[t].Shape;
    public Span<float> Values(int t) => network.ParameterTensors[t].Values;

    public double Loss()
    {
        network.ZeroGradients();
        network.Step = _step;
        batch.ComputeGradients(network, _outputs);
        return batch.ReferenceLoss(network, _outputs);
    }

    public ReadOnlySpan<float> Gradient(int t) => network.ParameterTensors[t].Gradients;

    public float[][] AnalyticGradients()
    {
        network.ZeroGradients();
        network.Step = _step;
        NetworkLoss = batch.ComputeGradients(network, _outputs);
        ReferenceLoss = batch.ReferenceLoss(network, _outputs);
        return network.ParameterTensors.Select(p => p.Gradients.ToArray()).ToArray();
    }
}

/// <summary>Saves what a check or snapshot changes on a network (parameters, gradients, step, threads) and puts it back.</summary>
internal readonly struct NetworkState : IDisposable
{
    private readonly INeuralNetwork _network;
    private readonly float[] _parameters, _gradients;
    private readonly long _step;
    private readonly int _threads;

    public NetworkState(INeuralNetwork network)
    {
        _network = network;
        _parameters = (float[])network.Parameters.Clone();
        _gradients = (float[])network.Gradients.Clone();
        _step = network.Step;
        _threads = network.Threads;
    }

    public void Dispose()
    {
        _parameters.CopyTo(_network.Parameters, 0);
        _gradients.CopyTo(_network.Gradients, 0);
        _network.Step = _step;
        _network.Threads = _threads;
    }
}
