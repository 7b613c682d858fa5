using System.Numerics;
using DeepPsych.Dsl.Devices;

namespace DeepPsych.Dsl.Optimizers;

/// <summary>Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and coupled (L2) weight
/// decay — exactly <c>torch.optim.SGD</c>.</summary>
/// <remarks>
/// Per element, at step t (1-based):
/// <code>
/// g = grad + λ·p                               (weight decay, coupled)
/// b = t == 1 ? g : μ·b + (1 − dampening)·g     (momentum buffer; PyTorch starts it at g, undampened)
/// g = nesterov ? g + μ·b : b                   (when μ ≠ 0)
/// p = p − lr·g
/// </code>
/// </remarks>
public sealed class Sgd : Optimizer
{
    private float[][]? _state;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="learningRate">lr.</param>
    /// <param name="momentum">μ (0 = plain SGD).</param>
    /// <param name="weightDecay">λ, added to the gradient as λ·p.</param>
    /// <param name="nesterov">Use Nesterov momentum (needs μ &gt; 0 and dampening 0, as PyTorch).</param>
    /// <param name="dampening">Scales the gradient's contribution to the buffer by (1 − dampening).</param>
    public Sgd(float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false, float dampening = 0f)
        : base(learningRate, weightDecay)
    {
        Check(momentum, nesterov, dampening);
        Momentum = momentum;
        Nesterov = nesterov;
        Dampening = dampening;
    }

    /// <inheritdoc/>
    public override string Kind => "sgd";
    /// <summary>μ.</summary>
    public float Momentum { get; private set; }
    /// <summary>Whether the step uses Nesterov momentum.</summary>
    public bool Nesterov { get; private set; }
    /// <summary>Dampening of the gradient added to the momentum buffer.</summary>
    public float Dampening { get; private set; }

    /// <inheritdoc/>
    public override IReadOnlyList<string> StateNames => Momentum == 0 ? [] : ["momentum_buffer"];

    /// <inheritdoc/>
    protected override float[][]? State { get => _state; set => _state = value; }

    /// <inheritdoc/>
    protected override void Update(Span<float> p, ReadOnlySpan<float> grad, ReadOnlySpan<float> decayMask)
    {
        float lr = LearningRate, wd = WeightDecay, mu = Momentum, keep = 1f - Dampening;
        bool first = StepCount == 1, masked = !decayMask.IsEmpty;
        Span<float> buf = mu == 0 ? default : _state![0];
        int i = Vector.IsHardwareAccelerated ? UpdateVectors(p, grad, decayMask, buf, lr, wd, mu, keep, first, masked) : 0;
        for (; i < p.Length; i++)
        {
            float g = grad[i];
            float lambda = masked ? wd * decayMask[i] : wd;
            if (lambda != 0) g += lambda * p[i];
            if (mu != 0)
            {
                float b = first ? g : mu * buf[i] + keep * g;
                buf[i] = b;
                g = Nesterov ? g + mu * b : b;
            }
            p[i] -= lr * g;
        }
    }

    /// <summary>
    /// The update above on whole vectors, returning where the scalar loop goes on. The same operations in the same order,
    /// unfused (.NET does not contract a·b + c into an FMA), and λ·p added only where λ ≠ 0, so every element ends
    /// bit-identical to the scalar loop's (signed zeros and non-finite values included). About 4× fewer instructions on
    /// LeNet-5's 61,706 parameters than the scalar loop, whose per-element branches the JIT does not hoist.
    /// </summary>
    private int UpdateVectors(Span<float> p, ReadOnlySpan<float> grad, ReadOnlySpan<float> decayMask, Span<float> buf,
        float lr, float wd, float mu, float keep, bool first, bool masked)
    {
        int n = p.Length - p.Length % Vector<float>.Count;
        var vlr = new Vector<float>(lr);
        var vwd = new Vector<float>(wd);
        var vmu = new Vector<float>(mu);
        var vkeep = new Vector<float>(keep);
        bool decay = masked || wd != 0, momentum = mu != 0, nesterov = Nesterov;
        for (int i = 0; i < n; i += Vector<float>.Count)
        {
            var g = new Vector<float>(grad[i..]);
            var pv = new Vector<float>(p[i..]);
            if (decay)
            {
                var lambda = masked ? vwd * new Vector<float>(decayMask[i..]) : vwd;
                g = Vector.ConditionalSelect(Vector.Equals(lambda, Vector<float>.Zero), g, g + lambda * pv);
            }
            if (momentum)
            {
                var b = first ? g : vmu * new Vector<float>(buf[i..]) + vkeep * g;
                b.CopyTo(buf[i..]);
                g = nesterov ? g + vmu * b : b;
            }
            (pv - vlr * g).CopyTo(p[i..]);
        }
        return n;
    }

    /// <inheritdoc/>
    protected override void UpdateOnDevice(in OptimizerViews views) =>
        views.Backend.SgdUpdate(SgdStep.For(this, StepCount), views.Parameters, views.Gradients, Momentum == 0 ? default : views.State[0], views.DecayMask);

    /// <inheritdoc/>
    protected override void ExportHyperparameters(IDictionary<string, double> into)
    {
        into["momentum"] = Momentum;
        into["dampening"] = Dampening;
        into["nesterov"] = Nesterov ? 1 : 0;
    }

    private static void Check(double momentum, bool nesterov, double dampening)
    {
        RequireAtLeastZero(nameof(momentum), momentum, "Momentum");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum > 0 and zero dampening (as torch.optim.SGD).", nameof(nesterov));
    }

    /// <inheritdoc/>
    protected override void CheckHyperparameters(IReadOnlyDictionary<string, double> from) =>
        Check(from.GetValueOrDefault("momentum", Momentum), from.TryGetValue("nesterov", out double n) ? n != 0 : Nesterov,
            from.GetValueOrDefault("dampening", Dampening));

    /// <inheritdoc/>
    protected override void ImportHyperparameters(IReadOnlyDictionary<string, double> from)
    {
        if (from.TryGetValue("momentum", out double m)) Momentum = (float)m;
        if (from.TryGetValue("dampening", out double d)) Dampening = (float)d;
        if (from.TryGetValue("nesterov", out double n)) Nesterov = n != 0;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"SGD(lr={Format(LearningRate)}, momentum={Format(Momentum)}{(Nesterov ? ", nesterov" : "")}, weight_decay={Format(WeightDecay)})";
}
