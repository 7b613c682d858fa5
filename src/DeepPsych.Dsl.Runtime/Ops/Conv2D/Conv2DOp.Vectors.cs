using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// Small vector helpers shared by the convolution strategies.
public static unsafe partial class Conv2DOp
{
    /// <summary>y[0..n) += a·x[0..n).</summary>
    internal static void Axpy(float a, float* x, float* y, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var av = Vector512.Create(a);
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(av, Vector512.Load(x + i), Vector512.Load(y + i)), y + i);
        }
        var a8 = Vector256.Create(a);
        for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(y + i) + a8 * Vector256.Load(x + i), y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    /// <summary>Σ x[i]·y[i] for i &lt; n.</summary>
    internal static float Dot(float* x, float* y, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc = Vector512.FusedMultiplyAdd(Vector512.Load(x + i), Vector512.Load(y + i), acc);
            s = Vector512.Sum(acc);
        }
        else if (n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Load(x + i) * Vector256.Load(y + i);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }

    /// <summary>Σ x[i] for i &lt; n.</summary>
    internal static float Sum(float* x, int n)
    {
        int i = 0;
        float s = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 16)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc += Vector512.Load(x + i);
            s = Vector512.Sum(acc);
        }
        else if (n >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8) acc += Vector256.Load(x + i);
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) s += x[i];
        return s;
    }
}
