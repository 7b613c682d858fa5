namespace DeepPsych.Dsl.Testing.Tests.Models;

/// <summary>Wraps a correct network and breaks one backward formula on purpose: the gradient that ComputeGradients
/// adds to one tensor is multiplied by <c>scale</c> (1.1: a wrong factor; −1: a sign error), or only one element of it
/// is negated. Everything else — forward, loss, other tensors — is the wrapped network's.</summary>
public sealed class BrokenGradient(INeuralNetwork inner, string tensor, float scale = 1.1f, int? onlyElement = null) : DelegatingNetwork(inner)
{
    private readonly ParameterTensor _target = inner.ParameterTensors.Single(p => p.Name == tensor);

    public override float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default)
    {
        var before = _target.Gradients.ToArray();
        float loss = Inner.ComputeGradients(input, labels, batch, outputs);
        Break(before);
        return loss;
    }

    public override float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default)
    {
        var before = _target.Gradients.ToArray();
        float loss = Inner.ComputeGradients(input, targets, batch, outputs);
        Break(before);
        return loss;
    }

    /// <summary>Scales only what this step added (the contract accumulates).</summary>
    private void Break(float[] before)
    {
        var g = _target.Gradients;
        for (int i = 0; i < g.Length; i++)
            if (onlyElement is null || onlyElement == i)
                g[i] = before[i] + (onlyElement is null ? scale : -1f) * (g[i] - before[i]);
    }
}
