using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// An activation as a generic struct op, so a kernel instantiated with it (<c>Conv2DKernels.Forward&lt;ReLU&gt;</c>) has the
/// activation compiled in: conv + bias + activation is one kernel, with no branch on the activation kind.
/// Derivatives are computed from the OUTPUT y, as <c>ActivationOp.DerivativeFromOutput</c>.
/// </summary>
public interface IActivation
{
    /// <summary>y = f(z).</summary>
    float Apply(float z, float slope);
    /// <summary>f'(z) expressed through y = f(z).</summary>
    float Derivative(float y, float slope);
}

/// <summary>Identity: y = z; f' = 1.</summary>
public struct Identity : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => z;
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => 1f;
}

/// <summary>Heaviside step: y = [z &gt; 0]; f' = 0.</summary>
public struct Step : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => z > 0f ? 1f : 0f;
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => 0f;
}

/// <summary>Sigmoid: y = 1 / (1 + e^-z); f' = y (1 − y).</summary>
public struct Sigmoid : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => 1f / (1f + XMath.Exp(-z));
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => y * (1f - y);
}

/// <summary>Tanh, as the CPU's vector path: sign(z)·(1 − t)/(1 + t), t = e^{−2|z|} (never overflows); f' = 1 − y².</summary>
public struct Tanh : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope)
    {
        float t = XMath.Exp(-2f * XMath.Abs(z));
        float r = (1f - t) / (1f + t);
        return z < 0f ? -r : r;
    }
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => 1f - y * y;
}

/// <summary>ReLU: y = max(0, z), NaN stays NaN (IEEE maximum, as the CPU op and PyTorch); f' = [y &gt; 0].</summary>
public struct ReLU : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => z > 0f || IsNaNBits(z) ? z : 0f;

    /// <summary>NaN test on the bits: PoCL compiles with finite-math assumptions that fold <c>z != z</c> and isnan to false.</summary>
    internal static bool IsNaNBits(float z) => (Interop.FloatAsInt(z) & 0x7FFFFFFFu) > 0x7F800000u;
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => y > 0f ? 1f : 0f;
}

/// <summary>Leaky ReLU: y = z &gt; 0 ? z : α z; f' = y &gt; 0 ? 1 : α.</summary>
public struct LeakyReLU : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => z > 0f ? z : slope * z;
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => y > 0f ? 1f : slope;
}

/// <summary>Softplus: y = max(z, 0) + ln(1 + e^{−|z|}); f' = 1 − e^{−y}.</summary>
public struct Softplus : IActivation
{
    /// <inheritdoc/>
    public readonly float Apply(float z, float slope) => XMath.Max(z, 0f) + XMath.Log(1f + XMath.Exp(-XMath.Abs(z)));
    /// <inheritdoc/>
    public readonly float Derivative(float y, float slope) => 1f - XMath.Exp(-y);
}

/// <summary>Something generic over the activation (a kernel loader), so <see cref="ActivationDispatch.For{TResult, TGeneric}"/>
/// can turn a run-time <see cref="Act"/> into a compile-time struct type.</summary>
internal interface IActivationGeneric<out TResult>
{
    TResult Invoke<TAct>() where TAct : struct, IActivation;
}

/// <summary>Maps <see cref="Act"/> to its struct op.</summary>
internal static class ActivationDispatch
{
    /// <summary>All activations, for warm-up and the compile-everything test.</summary>
    public static readonly Act[] All = Enum.GetValues<Act>();

    public static TResult For<TResult, TGeneric>(Act act, TGeneric generic) where TGeneric : IActivationGeneric<TResult> => act switch
    {
        Act.None => generic.Invoke<Identity>(),
        Act.Step => generic.Invoke<Step>(),
        Act.Sigmoid => generic.Invoke<Sigmoid>(),
        Act.Tanh => generic.Invoke<Tanh>(),
        Act.ReLU => generic.Invoke<ReLU>(),
        Act.LeakyReLU => generic.Invoke<LeakyReLU>(),
        Act.Softplus => generic.Invoke<Softplus>(),
        _ => throw new ArgumentOutOfRangeException(nameof(act), act, "Unknown activation."),
    };

    /// <summary>The struct op type of <paramref name="act"/>.</summary>
    public static Type TypeOf(Act act) => For<Type, TypeGeneric>(act, default);

    private readonly struct TypeGeneric : IActivationGeneric<Type>
    {
        public Type Invoke<TAct>() where TAct : struct, IActivation => typeof(TAct);
    }
}

/// <summary>Element-wise activation kernels (forward beside backward), mirroring <c>ActivationOp</c>.</summary>
public static class ActivationKernels
{
    /// <summary>y[i] = f(z[i]).</summary>
    public static void Forward<TAct>(Index1D i, ArrayView<float> z, ArrayView<float> y, float slope) where TAct : struct, IActivation
        => y[i] = default(TAct).Apply(z[i], slope);

    /// <summary>dx[i] += dy[i] · f'(y[i]).</summary>
    public static void Backward<TAct>(Index1D i, ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, float slope) where TAct : struct, IActivation
        => dx[i] += dy[i] * default(TAct).Derivative(y[i], slope);

    /// <summary>dy[i] *= f'(y[i]).</summary>
    public static void ApplyDerivative<TAct>(Index1D i, ArrayView<float> y, ArrayView<float> dy, float slope) where TAct : struct, IActivation
        => dy[i] *= default(TAct).Derivative(y[i], slope);
}
