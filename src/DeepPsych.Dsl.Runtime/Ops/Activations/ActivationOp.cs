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
    public static void Forward(Act act, float leakySlope, ReadOnlySpan<float> z, Span<float> y)
    {
        if (z.Length != y.Length) throw new ArgumentException($"ActivationOp.Forward({act}): z has {z.Length} elements but y has {y.Length}.");
        if (act == Act.None) { if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(z), ref MemoryMarshal.GetReference(y))) z.CopyTo(y); return; }
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = z.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Apply512(act, Vector512.LoadUnsafe(ref zr, (nuint)i), leakySlope).StoreUnsafe(ref yr, (nuint)i);
        else
            for (; i <= n - 8; i += 8) Apply256(act, Vector256.LoadUnsafe(ref zr, (nuint)i), leakySlope).StoreUnsafe(ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Apply(act, Unsafe.Add(ref zr, i), leakySlope);
    }

    /// <summary>dx += dy ⊙ f'(z), with f' computed from the forward output <paramref name="y"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void Backward(Act act, float leakySlope, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (y.Length != dy.Length || y.Length != dx.Length)
            throw new ArgumentException($"ActivationOp.Backward({act}): y has {y.Length}, dy {dy.Length} and dx {dx.Length} elements; they must match.");
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float gr = ref MemoryMarshal.GetReference(dy);
        ref float xr = ref MemoryMarshal.GetReference(dx);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                (Vector512.LoadUnsafe(ref xr, (nuint)i) + Vector512.LoadUnsafe(ref gr, (nuint)i) * Derivative512(act, Vector512.LoadUnsafe(ref yr, (nuint)i), leakySlope)).StoreUnsafe(ref xr, (nuint)i);
        else
            for (; i <= n - 8; i += 8)
                (Vector256.LoadUnsafe(ref xr, (nuint)i) + Vector256.LoadUnsafe(ref gr, (nuint)i) * Derivative256(act, Vector256.LoadUnsafe(ref yr, (nuint)i), leakySlope)).StoreUnsafe(ref xr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref xr, i) += Unsafe.Add(ref gr, i) * DerivativeFromOutput(act, Unsafe.Add(ref yr, i), leakySlope);
    }

    /// <summary>dy *= f'(z) in place, with f' computed from the forward output <paramref name="y"/> (turns dL/dy into dL/dz for fused layers).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    public static void ApplyDerivativeInPlace(Act act, float leakySlope, ReadOnlySpan<float> y, Span<float> dy)
    {
        if (y.Length != dy.Length) throw new ArgumentException($"ActivationOp.ApplyDerivativeInPlace({act}): y has {y.Length} elements but dy has {dy.Length}.");
        if (act == Act.None) return;
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float gr = ref MemoryMarshal.GetReference(dy);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16)
                (Vector512.LoadUnsafe(ref gr, (nuint)i) * Derivative512(act, Vector512.LoadUnsafe(ref yr, (nuint)i), leakySlope)).StoreUnsafe(ref gr, (nuint)i);
        else
            for (; i <= n - 8; i += 8)
                (Vector256.LoadUnsafe(ref gr, (nuint)i) * Derivative256(act, Vector256.LoadUnsafe(ref yr, (nuint)i), leakySlope)).StoreUnsafe(ref gr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref gr, i) *= DerivativeFromOutput(act, Unsafe.Add(ref yr, i), leakySlope);
    }

    // ---- vector forms (used by the GEMM epilogue as well) ----

    /// <summary>f(z) on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> Apply512(Act act, Vector512<float> z, float slope)
    {
        switch (act)
        {
            case Act.None: return z;
            case Act.ReLU: return Vector512.Max(z, Vector512<float>.Zero);
            case Act.LeakyReLU: return Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, z * slope);
            case Act.Step: return Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero);
            case Act.Sigmoid: return Vector512<float>.One / (Vector512<float>.One + Vector512.Exp(-z));
            case Act.Tanh:
            {
                // tanh z = sign(z) (1 - t) / (1 + t), t = e^{-2|z|} ∈ (0, 1]: no overflow.
                var t = Vector512.Exp(Vector512.Abs(z) * -2f);
                var r = (Vector512<float>.One - t) / (Vector512<float>.One + t);
                return Vector512.CopySign(r, z);
            }
            case Act.Softplus:
                return Vector512.Max(z, Vector512<float>.Zero) + Vector512.Log(Vector512<float>.One + Vector512.Exp(-Vector512.Abs(z)));
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation.");
        }
    }

    /// <summary>f(z) on 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Apply256(Act act, Vector256<float> z, float slope)
    {
        switch (act)
        {
            case Act.None: return z;
            case Act.ReLU: return Vector256.Max(z, Vector256<float>.Zero);
            case Act.LeakyReLU: return Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * slope);
            case Act.Step: return Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero);
            case Act.Sigmoid: return Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-z));
            case Act.Tanh:
            {
                var t = Vector256.Exp(Vector256.Abs(z) * -2f);
                var r = (Vector256<float>.One - t) / (Vector256<float>.One + t);
                return Vector256.CopySign(r, z);
            }
            case Act.Softplus:
                return Vector256.Max(z, Vector256<float>.Zero) + Vector256.Log(Vector256<float>.One + Vector256.Exp(-Vector256.Abs(z)));
            default: throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Derivative512(Act act, Vector512<float> y, float slope) => act switch
    {
        Act.None => Vector512<float>.One,
        Act.Step => Vector512<float>.Zero,
        Act.Sigmoid => y * (Vector512<float>.One - y),
        Act.Tanh => Vector512<float>.One - y * y,
        Act.ReLU => Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), Vector512<float>.One, Vector512<float>.Zero),
        Act.LeakyReLU => Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(slope)),
        Act.Softplus => Vector512<float>.One - Vector512.Exp(-y),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Derivative256(Act act, Vector256<float> y, float slope) => act switch
    {
        Act.None => Vector256<float>.One,
        Act.Step => Vector256<float>.Zero,
        Act.Sigmoid => y * (Vector256<float>.One - y),
        Act.Tanh => Vector256<float>.One - y * y,
        Act.ReLU => Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256<float>.Zero),
        Act.LeakyReLU => Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(slope)),
        Act.Softplus => Vector256<float>.One - Vector256.Exp(-y),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };
}
