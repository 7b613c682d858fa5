using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Element-wise activations y = f(z) and their derivatives. Derivatives are computed from the OUTPUT y
/// (so backward needs only what forward produced):
/// <list type="table">
/// <item><term>None</term><description>y = z; f' = 1</description></item>
/// <item><term>Step</term><description>y = [z &gt; 0]; f' = 0</description></item>
/// <item><term>Sigmoid</term><description>y = 1 / (1 + e^-z); f' = y (1 - y)</description></item>
/// <item><term>Tanh</term><description>y = tanh z; f' = 1 - y²</description></item>
/// <item><term>ReLU</term><description>y = max(0, z); f' = [y &gt; 0]</description></item>
/// <item><term>LeakyReLU</term><description>y = z &gt; 0 ? z : α z; f' = y &gt; 0 ? 1 : α  (0 ≤ α &lt; 1)</description></item>
/// <item><term>Softplus</term><description>y = ln(1 + e^z); f' = σ(z) = 1 - e^-y</description></item>
/// </list>
/// </summary>
public static class ActivationOp
{
    /// <summary>Scalar y = f(z) (reference and tails).</summary>
    /// <param name="act">The activation.</param>
    /// <param name="z">Pre-activation value.</param>
    /// <param name="leakySlope">α for <see cref="Act.LeakyReLU"/>; ignored otherwise.</param>
    public static float Apply(Act act, float z, float leakySlope) => act switch
    {
        Act.None => z,
        Act.Step => z > 0f ? 1f : 0f,
        Act.Sigmoid => 1f / (1f + MathF.Exp(-z)),
        Act.Tanh => MathF.Tanh(z),
        Act.ReLU => MathF.Max(z, 0f),   // NaN stays NaN (IEEE 754 maximum), as in PyTorch: a divergence must not vanish
        Act.LeakyReLU => z > 0f ? z : leakySlope * z,
        // ln(1 + e^z) = max(z, 0) + ln(1 + e^-|z|): never overflows.
        Act.Softplus => MathF.Max(z, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(z))),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };

    /// <summary>Scalar f'(z) expressed through the output y = f(z).</summary>
    public static float DerivativeFromOutput(Act act, float y, float leakySlope) => act switch
    {
        Act.None => 1f,
        Act.Step => 0f,
        Act.Sigmoid => y * (1f - y),
        Act.Tanh => 1f - y * y,
        Act.ReLU => y > 0f ? 1f : 0f,
        Act.LeakyReLU => y > 0f ? 1f : leakySlope,
        Act.Softplus => 1f - MathF.Exp(-y),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };

    /// <summary>y = f(z) element-wise. <paramref name="z"/> and <paramref name="y"/> may be the same memory (in place).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static unsafe void Forward(Act act, float leakySlope, ReadOnlySpan<float> z, Span<float> y)
    {
        if (z.Length != y.Length) throw new ArgumentException($"ActivationOp.Forward({act}): z has {z.Length} elements but y has {y.Length}.");
        if (act == Act.None) { if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(y))) z.CopyTo(y); return; }
        fixed (float* pz = z) fixed (float* py = y)
        {
            int n = z.Length;
            var lanes = new Lanes(leakySlope, pz, py, null, n, backward: false);
            Run(act, ref lanes);
            for (int i = lanes.Done; i < n; i++) py[i] = Apply(act, pz[i], leakySlope);
        }
    }

    /// <summary>dx += dy ⊙ f'(z), with f' computed from the forward output <paramref name="y"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static unsafe void Backward(Act act, float leakySlope, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (y.Length != dy.Length || y.Length != dx.Length)
            throw new ArgumentException($"ActivationOp.Backward({act}): y has {y.Length}, dy {dy.Length} and dx {dx.Length} elements; they must match.");
        fixed (float* py = y) fixed (float* pg = dy) fixed (float* px = dx)
        {
            int n = y.Length;
            var lanes = new Lanes(leakySlope, py, pg, px, n, backward: true);
            Run(act, ref lanes);
            for (int i = lanes.Done; i < n; i++) px[i] += pg[i] * DerivativeFromOutput(act, py[i], leakySlope);
        }
    }

    /// <summary>dy *= f'(z) in place, with f' computed from the forward output <paramref name="y"/> (turns dL/dy into dL/dz for fused layers).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static unsafe void ApplyDerivativeInPlace(Act act, float leakySlope, ReadOnlySpan<float> y, Span<float> dy)
    {
        if (y.Length != dy.Length) throw new ArgumentException($"ActivationOp.ApplyDerivativeInPlace({act}): y has {y.Length} elements but dy has {dy.Length}.");
        if (act == Act.None) return;
        fixed (float* py = y) fixed (float* pg = dy)
        {
            int n = y.Length;
            var lanes = new Lanes(leakySlope, py, pg, null, n, backward: true);
            Run(act, ref lanes);
            for (int i = lanes.Done; i < n; i++) pg[i] *= DerivativeFromOutput(act, py[i], leakySlope);
        }
    }

    /// <summary>The vector part of <see cref="Forward"/> (y = f(<paramref name="a"/>) into <paramref name="b"/>) or of
    /// <see cref="Backward"/> / <see cref="ApplyDerivativeInPlace"/> (y = <paramref name="a"/>, dy = <paramref name="b"/>, dx =
    /// <paramref name="c"/> or null), at the vector width taken; <see cref="Done"/>: where the scalar tail starts.</summary>
    private unsafe struct Lanes(float slope, float* a, float* b, float* c, int n, bool backward) : IActivationKernel
    {
        public int Done;

        public void Run<TA>() where TA : struct, IActivation => Done = Simd.Width switch
        {
            512 => backward ? BackwardLanes<Lanes512, Vector512<float>, TA>(slope, a, b, c, n) : ForwardLanes<Lanes512, Vector512<float>, TA>(slope, a, b, n),
            256 => backward ? BackwardLanes<Lanes256, Vector256<float>, TA>(slope, a, b, c, n) : ForwardLanes<Lanes256, Vector256<float>, TA>(slope, a, b, n),
            _ => backward ? BackwardLanes<Lanes128, Vector128<float>, TA>(slope, a, b, c, n) : ForwardLanes<Lanes128, Vector128<float>, TA>(slope, a, b, n),
        };
    }

    /// <summary>y = f(z) over the whole vectors of [0, n), f = TA's activation; returns where the scalar tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static unsafe int ForwardLanes<TW, TV, TA>(float slope, float* z, float* y, int n) where TW : struct, ILanes<TV> where TV : struct where TA : struct, IActivation
    {
        int i = 0;
        for (; i <= n - TW.Count; i += TW.Count) TW.Store(Apply<TW, TV>(TA.Value, TW.Load(z + i), slope), y + i);
        return i;
    }

    /// <summary>dx += dy ⊙ f'(y), or with <paramref name="dx"/> null dy *= f'(y), over the whole vectors of [0, n), f = TA's
    /// activation; returns where the tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static unsafe int BackwardLanes<TW, TV, TA>(float slope, float* y, float* dy, float* dx, int n) where TW : struct, ILanes<TV> where TV : struct where TA : struct, IActivation
    {
        int i = 0;
        if (dx == null)
            for (; i <= n - TW.Count; i += TW.Count) TW.Store(TW.Multiply(TW.Load(dy + i), Derivative<TW, TV>(TA.Value, TW.Load(y + i), slope)), dy + i);
        else
            for (; i <= n - TW.Count; i += TW.Count) TW.Store(TW.MultiplyAdd(TW.Load(dy + i), Derivative<TW, TV>(TA.Value, TW.Load(y + i), slope), TW.Load(dx + i)), dx + i);
        return i;
    }

    // ---- the activation fixed at JIT time ----

    /// <summary>An activation known when the JIT compiles a loop: a loop generic over TA passes <c>TA.Value</c> to
    /// <see cref="Apply{TW, TV}"/> / <see cref="Derivative{TW, TV}"/>, a constant, so their switch folds to its one case. With
    /// the activation a run-time value the switch stays inside the loop, and the JIT then keeps the vectors on the stack around
    /// its jump table and calls (read with DOTNET_JitDisasm; LeNet-5's C1 alone, 1 → 6 channels at 28×28, batch 256, ran 1.11×
    /// faster with the constant).</summary>
    internal interface IActivation { static abstract Act Value { get; } }
    internal readonly struct NoActivation : IActivation { public static Act Value => Act.None; }
    internal readonly struct StepActivation : IActivation { public static Act Value => Act.Step; }
    internal readonly struct SigmoidActivation : IActivation { public static Act Value => Act.Sigmoid; }
    internal readonly struct TanhActivation : IActivation { public static Act Value => Act.Tanh; }
    internal readonly struct ReLUActivation : IActivation { public static Act Value => Act.ReLU; }
    internal readonly struct LeakyReLUActivation : IActivation { public static Act Value => Act.LeakyReLU; }
    internal readonly struct SoftplusActivation : IActivation { public static Act Value => Act.Softplus; }

    /// <summary>A loop to compile once per activation (<see cref="Run{TK}"/>).</summary>
    internal interface IActivationKernel { void Run<TA>() where TA : struct, IActivation; }

    /// <summary>Runs <paramref name="kernel"/> with <paramref name="act"/> as its JIT-time activation.</summary>
    internal static void Run<TK>(Act act, ref TK kernel) where TK : struct, IActivationKernel
    {
        switch (act)
        {
            case Act.None: kernel.Run<NoActivation>(); break;
            case Act.Step: kernel.Run<StepActivation>(); break;
            case Act.Sigmoid: kernel.Run<SigmoidActivation>(); break;
            case Act.Tanh: kernel.Run<TanhActivation>(); break;
            case Act.ReLU: kernel.Run<ReLUActivation>(); break;
            case Act.LeakyReLU: kernel.Run<LeakyReLUActivation>(); break;
            case Act.Softplus: kernel.Run<SoftplusActivation>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation.");
        }
    }

    // ---- vector forms (used by the GEMM epilogue as well) ----

    /// <summary>f(z) on one vector of any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TV Apply<TW, TV>(Act act, TV z, float slope) where TW : struct, ILanes<TV> where TV : struct
    {
        switch (act)
        {
            case Act.None: return z;
            case Act.ReLU: return TW.Max(z, TW.Zero);
            case Act.LeakyReLU: return TW.SelectPositive(z, z, TW.Multiply(z, TW.Broadcast(slope)));
            case Act.Step: return TW.SelectPositive(z, TW.One, TW.Zero);
            case Act.Sigmoid: return TW.Divide(TW.One, TW.Add(TW.One, TW.Exp(TW.Subtract(TW.Zero, z))));
            case Act.Tanh:
            {
                // tanh z = sign(z) (1 - t) / (1 + t), t = e^{-2|z|} ∈ (0, 1]: no overflow.
                var t = TW.Exp(TW.Multiply(TW.Abs(z), TW.Broadcast(-2f)));
                return TW.CopySign(TW.Divide(TW.Subtract(TW.One, t), TW.Add(TW.One, t)), z);
            }
            case Act.Softplus:
                return TW.Add(TW.Max(z, TW.Zero), TW.Log(TW.Add(TW.One, TW.Exp(TW.Subtract(TW.Zero, TW.Abs(z))))));
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation.");
        }
    }

    /// <summary>f'(z) from the output y, on one vector of any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Derivative<TW, TV>(Act act, TV y, float slope) where TW : struct, ILanes<TV> where TV : struct => act switch
    {
        Act.None => TW.One,
        Act.Step => TW.Zero,
        Act.Sigmoid => TW.Multiply(y, TW.Subtract(TW.One, y)),
        Act.Tanh => TW.Subtract(TW.One, TW.Multiply(y, y)),
        Act.ReLU => TW.SelectPositive(y, TW.One, TW.Zero),
        Act.LeakyReLU => TW.SelectPositive(y, TW.One, TW.Broadcast(slope)),
        Act.Softplus => TW.Subtract(TW.One, TW.Exp(TW.Subtract(TW.Zero, y))),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };
}
