namespace DeepPsych.Dsl.Testing.Tests.Models;

/// <summary>A hand-written INeuralNetwork with exact gradients: y = W x + b, with mean squared error or softmax
/// cross-entropy. The oracle for the library's own tests, independent of the generator and the ops.</summary>
public sealed class HandLinear : INeuralNetwork
{
    private readonly int _in, _out;
    private readonly ParameterTensor _w, _b;

    public HandLinear(int inputs, int outputs, Loss loss)
    {
        _in = inputs; _out = outputs; Loss = loss;
        Parameters = new float[outputs * inputs + outputs];
        Gradients = new float[Parameters.Length];
        _w = new ParameterTensor("Linear.weight", [outputs, inputs], 0, Parameters, Gradients, fanIn: inputs, fanOut: outputs);
        _b = new ParameterTensor("Linear.bias", [outputs], outputs * inputs, Parameters, Gradients);
        ParameterTensors = [_w, _b];
        Layers = [new Dense("Linear", [outputs], 2L * inputs * outputs, _w, _b)];
        InitializeParameters(0);
    }

    public string Name => "HandLinear";
    public IReadOnlyList<int> InputShape => [_in];
    public IReadOnlyList<int> OutputShape => [_out];
    public int InputLength => _in;
    public int OutputLength => _out;
    public Loss Loss { get; }
    public string ArchitectureHash => $"hand-linear-{_in}-{_out}-{Loss}";
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public IReadOnlyList<ParameterTensor> ParameterTensors { get; }
    public IReadOnlyList<Layer> Layers { get; }
    public int Threads { get; set; } = 1;
    public int Seed { get; set; }
    public long Step { get; set; }

    public void InitializeParameters(int seed)
    {
        var rng = new Random(seed);
        var w = _w.Values;
        for (int i = 0; i < w.Length; i++) w[i] = (float)((rng.NextDouble() * 2 - 1) / Math.Sqrt(_in));
        _b.Values.Clear();
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        var w = _w.Values; var b = _b.Values;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < _out; o++)
            {
                float s = b[o];
                for (int i = 0; i < _in; i++) s += w[o * _in + i] * input[n * _in + i];
                output[n * _out + o] = s;
            }
    }

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
    {
        if (Loss != Loss.SoftmaxCrossEntropy) throw new InvalidOperationException("HandLinear was built for MSE.");
        var y = new float[batch * _out];
        Forward(input, y, batch);
        var dy = new float[y.Length];
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            float max = float.NegativeInfinity;
            for (int o = 0; o < _out; o++) max = Math.Max(max, y[n * _out + o]);
            double sum = 0;
            for (int o = 0; o < _out; o++) sum += Math.Exp(y[n * _out + o] - max);
            for (int o = 0; o < _out; o++) dy[n * _out + o] = (float)((Math.Exp(y[n * _out + o] - max) / sum - (o == labels[n] ? 1 : 0)) / batch);
            loss += max + Math.Log(sum) - y[n * _out + labels[n]];
        }
        Backward(input, dy, batch);
        y.CopyTo(outputs);
        Step++;
        return (float)(loss / batch);
    }

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
    {
        if (Loss != Loss.MeanSquaredError) throw new InvalidOperationException("HandLinear was built for softmax cross-entropy.");
        var y = new float[batch * _out];
        Forward(input, y, batch);
        var dy = new float[y.Length];
        double loss = 0;
        for (int k = 0; k < y.Length; k++)
        {
            double d = y[k] - targets[k];
            loss += d * d;
            dy[k] = (float)(2 * d / y.Length);
        }
        Backward(input, dy, batch);
        y.CopyTo(outputs);
        Step++;
        return (float)(loss / y.Length);
    }

    private void Backward(ReadOnlySpan<float> input, float[] dy, int batch)
    {
        var gw = _w.Gradients; var gb = _b.Gradients;
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < _out; o++)
            {
                float d = dy[n * _out + o];
                gb[o] += d;
                for (int i = 0; i < _in; i++) gw[o * _in + i] += d * input[n * _in + i];
            }
    }

    public void ZeroGradients() => Array.Clear(Gradients);

    /// <summary>Hand-written, so the "generated" backward is the method below, quoted.</summary>
    public string BackwardSource => """
        // Linear backward: dW += dyᵀ·x; db += Σₙ dy
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < _out; o++)
            {
                float d = dy[n * _out + o];
                gb[o] += d;
                for (int i = 0; i < _in; i++) gw[o * _in + i] += d * input[n * _in + i];
            }
        """;
    public string? FirstNonFiniteLayer() => null;

    public string Summary() =>
        $"HandLinear: input [{_in}], loss {Loss}\n" +
        "layer   kind   output  parameters  FLOPs/sample\n" +
        $"Linear  Dense  {_out}  {Parameters.Length}  {2 * _in * _out}";
}
