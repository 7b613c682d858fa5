using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Small vector helpers shared by the convolution strategies, at the vector width the machine takes (Simd.Width).
public static unsafe partial class Conv2DOp
{
    /// <summary>y[0..n) += a·x[0..n).</summary>
    internal static void Axpy(float a, float* x, float* y, int n)
    {
        int i = Simd.Width switch
        {
            512 => Axpy<Lanes512, Vector512<float>>(a, x, y, n),
            256 => Axpy<Lanes256, Vector256<float>>(a, x, y, n),
            _ => Axpy<Lanes128, Vector128<float>>(a, x, y, n),
        };
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>Σ x[i]·y[i] for i &lt; n.</summary>
    internal static float Dot(float* x, float* y, int n) => Simd.Width switch
    {
        512 => Dot<Lanes512, Vector512<float>>(x, y, n),
        256 => Dot<Lanes256, Vector256<float>>(x, y, n),
        _ => Dot<Lanes128, Vector128<float>>(x, y, n),
    };

    /// <summary>Σ x[i] for i &lt; n.</summary>
    internal static float Sum(float* x, int n) => Simd.Width switch
    {
        512 => Sum<Lanes512, Vector512<float>>(x, n),
        256 => Sum<Lanes256, Vector256<float>>(x, n),
        _ => Sum<Lanes128, Vector128<float>>(x, n),
    };

    /// <summary>The whole vectors of <see cref="Axpy(float, float*, float*, int)"/>; returns where the scalar tail starts.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static int Axpy<TW, TV>(float a, float* x, float* y, int n) where TW : struct, ILanes<TV> where TV : struct
    {
        int i = 0;
        var av = TW.Broadcast(a);
        for (; i <= n - TW.Count; i += TW.Count) TW.Store(TW.MultiplyAdd(av, TW.Load(x + i), TW.Load(y + i)), y + i);
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static float Dot<TW, TV>(float* x, float* y, int n) where TW : struct, ILanes<TV> where TV : struct
    {
        int i = 0;
        float s = 0f;
        if (n >= TW.Count)
        {
            var acc = TW.Zero;
            for (; i <= n - TW.Count; i += TW.Count) acc = TW.MultiplyAdd(TW.Load(x + i), TW.Load(y + i), acc);
            s = TW.Sum(acc);
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static float Sum<TW, TV>(float* x, int n) where TW : struct, ILanes<TV> where TV : struct
    {
        int i = 0;
        float s = 0f;
        if (n >= TW.Count)
        {
            var acc = TW.Zero;
            for (; i <= n - TW.Count; i += TW.Count) acc = TW.Add(acc, TW.Load(x + i));
            s = TW.Sum(acc);
        }
        for (; i < n; i++) s += x[i];
        return s;
    }
}
