namespace DeepPsych.Dsl.Tests.Training;

/// <summary>A hand-written <see cref="INeuralNetwork"/> for the runtime tests: one dense layer <c>Linear</c>
/// (z = W·x + b, W is [classes, features] as PyTorch's nn.Linear) with fused softmax + cross-entropy and its exact gradient.
/// Single-threaded, so its arithmetic is deterministic.</summary>
internal sealed class SoftmaxRegression : INeuralNetwork
{
    private readonly ParameterTensor[] _tensors;
    private readonly Layer[] _layers;
    private bool _lastOutputFinite = true;

    public SoftmaxRegression(int features, int classes, string layerName = "Linear", string? hash = null)
    {
        Features = features;
        Classes = classes;
        Parameters = new float[classes * features + classes];
        Gradients = new float[Parameters.Length];
        var weight = new ParameterTensor($"{layerName}.weight", [classes, features], 0, Parameters, Gradients, features, classes);
        var bias = new ParameterTensor($"{layerName}.bias", [classes], classes * features, Parameters, Gradients);
        _tensors = [weight, bias];
        _layers = [new Dense(layerName, [classes], 2L * classes * features, weight, bias)];
        ArchitectureHash = hash ?? $"softmax-regression-{features}x{classes}";
    }

    public int Features { get; }
    public int Classes { get; }
    /// <summary>When ≥ 0, the training step with this <see cref="Step"/> produces NaN logits (to test divergence handling).</summary>
    public long PoisonAtStep { get; set; } = -1;
    /// <summary>Whether <see cref="FirstNonFiniteLayer"/> reports the layer (false: tests the trainer's fallback).</summary>
    public bool ReportsLayer { get; set; } = true;

    public string Name => nameof(SoftmaxRegression);
    public IReadOnlyList<int> InputShape => [Features];
    public IReadOnlyList<int> OutputShape => [Classes];
    public int InputLength => Features;
    public int OutputLength => Classes;
    /// <summary>Softmax cross-entropy (the default), or mean squared error: then this is plain linear regression.</summary>
    public Loss Loss { get; init; } = Loss.SoftmaxCrossEntropy;
    public string ArchitectureHash { get; }
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public IReadOnlyList<ParameterTensor> ParameterTensors => _tensors;
    public IReadOnlyList<Layer> Layers => _layers;
    public int Threads { get; set; } = 1;
    public int Seed { get; set; }
    public long Step { get; set; }

    public void InitializeParameters(int seed)
    {
        var random = new Random(seed);
        float scale = MathF.Sqrt(6f / (Features + Classes));
        for (int i = 0; i < Classes * Features; i++) Parameters[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        Array.Clear(Parameters, Classes * Features, Classes);
    }

    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch)
    {
        for (int n = 0; n < batch; n++)
        {
            var x = input.Slice(n * Features, Features);
            for (int c = 0; c < Classes; c++)
            {
                var w = Parameters.AsSpan(c * Features, Features);
                float z = Parameters[Classes * Features + c];
                for (int f = 0; f < Features; f++) z += w[f] * x[f];
                output[n * Classes + c] = z;
            }
        }
    }

    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
    {
        Span<float> z = stackalloc float[Classes];
        double loss = 0;
        float inv = 1f / batch;
        _lastOutputFinite = true;
        for (int n = 0; n < batch; n++)
        {
            var x = input.Slice(n * Features, Features);
            Forward(x, z, 1);
            if (Step == PoisonAtStep) z[0] = float.NaN;
            if (!outputs.IsEmpty) z.CopyTo(outputs.Slice(n * Classes, Classes));
            foreach (float v in z) _lastOutputFinite &= float.IsFinite(v);

            // softmax + cross-entropy: dL/dz_c = (p_c − [c = y]) / batch
            float max = float.NegativeInfinity;
            foreach (float v in z) max = MathF.Max(max, v);
            float sum = 0;
            for (int c = 0; c < Classes; c++) { z[c] = MathF.Exp(z[c] - max); sum += z[c]; }
            loss -= Math.Log(z[labels[n]] / sum);
            for (int c = 0; c < Classes; c++)
            {
                float dz = (z[c] / sum - (c == labels[n] ? 1f : 0f)) * inv;
                var dw = Gradients.AsSpan(c * Features, Features);
                for (int f = 0; f < Features; f++) dw[f] += dz * x[f];
                Gradients[Classes * Features + c] += dz;
            }
        }
        Step++;
        return (float)(loss / batch);
    }

    /// <summary>Mean squared error over batch × outputs (as <c>torch.nn.MSELoss()</c>): dL/dz = 2 (z − t) / (batch · outputs).</summary>
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
    {
        if (Loss != Loss.MeanSquaredError) throw new NotSupportedException("Float targets need Loss = MeanSquaredError.");
        Span<float> z = stackalloc float[Classes];
        double loss = 0;
        float scale = 2f / (batch * Classes);
        for (int n = 0; n < batch; n++)
        {
            var x = input.Slice(n * Features, Features);
            Forward(x, z, 1);
            if (!outputs.IsEmpty) z.CopyTo(outputs.Slice(n * Classes, Classes));
            for (int c = 0; c < Classes; c++)
            {
                float d = z[c] - targets[n * Classes + c];
                loss += (double)d * d;
                var dw = Gradients.AsSpan(c * Features, Features);
                for (int f = 0; f < Features; f++) dw[f] += scale * d * x[f];
                Gradients[Classes * Features + c] += scale * d;
            }
        }
        Step++;
        return (float)(loss / (batch * Classes));
    }

    public void ZeroGradients() => Array.Clear(Gradients);

    public string? FirstNonFiniteLayer() => ReportsLayer && !_lastOutputFinite ? _layers[0].Name : null;

    public string Summary() => $"{_layers[0]}: {Parameters.Length} parameters";

    public string BackwardSource => "// hand-written: dL/dz = (softmax(z) − onehot(y)) / batch; dW += dz·xᵀ; db += dz";
}
