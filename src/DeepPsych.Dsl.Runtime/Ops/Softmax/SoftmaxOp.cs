using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Softmax and log-softmax over the class axis of N × K rows (a network's probability output for inference), numerically
/// stable: with m = max_j z_j, softmax(z)_k = e^{z_k − m}/Σ_j e^{z_j − m} and log softmax(z)_k = z_k − m − ln Σ_j e^{z_j − m}.
/// Backward from the output y: softmax dx += y ⊙ (dy − Σ_j dy_j y_j); log-softmax dx += dy − e^y · Σ_j dy_j.
/// Vectorised along each row (the exponentials with Vector512/256.Exp); per row, so it may run on a batch shard.
/// </summary>
public static class SoftmaxOp
{
    /// <summary>y = softmax(z) per row. <paramref name="y"/> may alias <paramref name="z"/>.</summary>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void Forward(int batch, int classes, ReadOnlySpan<float> z, Span<float> y)
    {
        Check("SoftmaxOp.Forward", batch, classes, z.Length, "z", y.Length, "y");
        for (int n = 0; n < batch; n++)
        {
            var zr = z.Slice(n * classes, classes); var yr = y.Slice(n * classes, classes);
            float m = Max(zr);
            double sum = ExpShifted(zr, m, yr);
            Scale(yr, (float)(1.0 / sum));
        }
    }

    /// <summary>dx += y ⊙ (dy − Σ_j dy_j y_j), y the forward output.</summary>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void Backward(int batch, int classes, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check("SoftmaxOp.Backward", batch, classes, y.Length, "y", dx.Length, "dx");
        if (dy.Length != y.Length) throw new ArgumentException($"SoftmaxOp.Backward: dy has {dy.Length} elements but y has {y.Length}.");
        for (int n = 0; n < batch; n++)
        {
            var yr = y.Slice(n * classes, classes); var gr = dy.Slice(n * classes, classes);
            float dot = (float)ElementwiseOp.CenteredDot(gr, 0f, yr, squared: false);
            ProductAccumulate(yr, gr, dot, dx.Slice(n * classes, classes));
        }
    }

    /// <summary>y = log softmax(z) per row. <paramref name="y"/> may alias <paramref name="z"/>.</summary>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void LogForward(int batch, int classes, ReadOnlySpan<float> z, Span<float> y)
    {
        Check("SoftmaxOp.LogForward", batch, classes, z.Length, "z", y.Length, "y");
        for (int n = 0; n < batch; n++)
        {
            var zr = z.Slice(n * classes, classes); var yr = y.Slice(n * classes, classes);
            float m = Max(zr);
            double sum = ExpShifted(zr, m, yr);   // yr is scratch here
            ElementwiseOp.ScaleShift(zr, 1f, -(m + (float)Math.Log(sum)), yr);
        }
    }

    /// <summary>dx += dy − e^y · Σ_j dy_j, y the forward output (log-probabilities).</summary>
    /// <exception cref="ArgumentException">Invalid shape or a span of the wrong length.</exception>
    public static void LogBackward(int batch, int classes, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Check("SoftmaxOp.LogBackward", batch, classes, y.Length, "y", dx.Length, "dx");
        if (dy.Length != y.Length) throw new ArgumentException($"SoftmaxOp.LogBackward: dy has {dy.Length} elements but y has {y.Length}.");
        for (int n = 0; n < batch; n++)
        {
            var yr = y.Slice(n * classes, classes); var gr = dy.Slice(n * classes, classes); var dr = dx.Slice(n * classes, classes);
            float sum = (float)ElementwiseOp.Sum(gr);
            ref float yp = ref MemoryMarshal.GetReference(yr);
            ref float gp = ref MemoryMarshal.GetReference(gr);
            ref float dp = ref MemoryMarshal.GetReference(dr);
            int i = 0;
            if (Vector512.IsHardwareAccelerated)
                for (var s = Vector512.Create(sum); i <= classes - 16; i += 16)
                    (Vector512.LoadUnsafe(ref dp, (nuint)i) + Vector512.LoadUnsafe(ref gp, (nuint)i) - Vector512.Exp(Vector512.LoadUnsafe(ref yp, (nuint)i)) * s).StoreUnsafe(ref dp, (nuint)i);
            else
                for (var s = new Vector<float>(sum); i <= classes - Vector<float>.Count; i += Vector<float>.Count)
                    (Vector.LoadUnsafe(ref dp, (nuint)i) + Vector.LoadUnsafe(ref gp, (nuint)i) - Vector.Exp(Vector.LoadUnsafe(ref yp, (nuint)i)) * s).StoreUnsafe(ref dp, (nuint)i);
            for (; i < classes; i++) Unsafe.Add(ref dp, i) += Unsafe.Add(ref gp, i) - MathF.Exp(Unsafe.Add(ref yp, i)) * sum;
        }
    }

    /// <summary>Row max; a NaN anywhere makes it NaN (so the row's outputs are NaN, as PyTorch's).</summary>
    internal static float Max(ReadOnlySpan<float> z)
    {
        float m = float.NegativeInfinity;
        foreach (float v in z) if (v > m || float.IsNaN(v)) m = v;
        return m;
    }

    /// <summary>e[j] = e^{z_j − m}; returns Σ e (summed in double).</summary>
    private static double ExpShifted(ReadOnlySpan<float> z, float m, Span<float> e)
    {
        ref float zp = ref MemoryMarshal.GetReference(z);
        ref float ep = ref MemoryMarshal.GetReference(e);
        int n = z.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (var vm = Vector512.Create(m); i <= n - 16; i += 16) Vector512.Exp(Vector512.LoadUnsafe(ref zp, (nuint)i) - vm).StoreUnsafe(ref ep, (nuint)i);
        else
            for (var vm = new Vector<float>(m); i <= n - Vector<float>.Count; i += Vector<float>.Count) Vector.Exp(Vector.LoadUnsafe(ref zp, (nuint)i) - vm).StoreUnsafe(ref ep, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ep, i) = MathF.Exp(Unsafe.Add(ref zp, i) - m);
        double sum = 0;
        foreach (float v in e) sum += v;
        return sum;
    }

    private static void Scale(Span<float> y, float s) => ElementwiseOp.ScaleShift(y, s, 0f, y);

    /// <summary>dx += y ⊙ (dy − dot).</summary>
    private static void ProductAccumulate(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, float dot, Span<float> dx)
    {
        ref float yp = ref MemoryMarshal.GetReference(y);
        ref float gp = ref MemoryMarshal.GetReference(dy);
        ref float dp = ref MemoryMarshal.GetReference(dx);
        int n = y.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (var d = Vector512.Create(dot); i <= n - 16; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref yp, (nuint)i), Vector512.LoadUnsafe(ref gp, (nuint)i) - d, Vector512.LoadUnsafe(ref dp, (nuint)i)).StoreUnsafe(ref dp, (nuint)i);
        else
            for (var d = new Vector<float>(dot); i <= n - Vector<float>.Count; i += Vector<float>.Count)
                Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref yp, (nuint)i), Vector.LoadUnsafe(ref gp, (nuint)i) - d, Vector.LoadUnsafe(ref dp, (nuint)i)).StoreUnsafe(ref dp, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref dp, i) += Unsafe.Add(ref yp, i) * (Unsafe.Add(ref gp, i) - dot);
    }

    private static void Check(string op, int batch, int classes, int aLength, string aName, int bLength, string bName)
    {
        if (batch < 0 || classes <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} classes={classes}.");
        if (aLength != (long)batch * classes) throw new ArgumentException($"{op}: {aName} has {aLength} elements but {batch}x{classes} = {(long)batch * classes} are needed.");
        if (bLength != aLength) throw new ArgumentException($"{op}: {bName} has {bLength} elements but {aName} has {aLength}.");
    }
}
