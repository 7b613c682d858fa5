using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Element-wise maps and reductions on flat spans, Vector512 with a <see cref="Vector{T}"/> fallback (256 bits with AVX2,
/// 128 with SSE or NEON, where a Vector256 would be emulated element by element; its multiply-adds are fused where the
/// CPU has FMA, as the kernels' are): the residual <c>Add</c> (forward
/// y = a + b; backward da += dy and db += dy, i.e. <see cref="Accumulate"/> twice — fan-out gradients are summed because
/// every backward accumulates), and the per-plane helpers BatchNorm and LRN are built from. Each loop is optimised at its
/// first call (<c>AggressiveOptimization</c>, as the kernels are): at tier 0 a vector loop runs several times slower, and in
/// a sampled ResNet-18 batch-1 benchmark BatchNorm's <see cref="ScaleShift"/> still ran at tier 0 after 18 passes of the
/// network (2 % of the samples).
/// </summary>
public static class ElementwiseOp
{
    /// <summary>Residual add: y = a + b. <paramref name="y"/> may alias <paramref name="a"/> or <paramref name="b"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        if (a.Length != b.Length || a.Length != y.Length)
            throw new ArgumentException($"ElementwiseOp.Add: a has {a.Length}, b {b.Length} and y {y.Length} elements; a residual add needs equal shapes.");
        ref float ar = ref MemoryMarshal.GetReference(a);
        ref float br = ref MemoryMarshal.GetReference(b);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) (Vector512.LoadUnsafe(ref ar, (nuint)i) + Vector512.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        else
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) (Vector.LoadUnsafe(ref ar, (nuint)i) + Vector.LoadUnsafe(ref br, (nuint)i)).StoreUnsafe(ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = Unsafe.Add(ref ar, i) + Unsafe.Add(ref br, i);
    }

    /// <summary>dx += dy: the backward of the residual add for each of its two inputs (and of an identity skip path).</summary>
    /// <exception cref="ArgumentException">The spans differ in length.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Accumulate(ReadOnlySpan<float> dy, Span<float> dx)
    {
        if (dy.Length != dx.Length) throw new ArgumentException($"ElementwiseOp.Accumulate: dy has {dy.Length} elements but dx has {dx.Length}.");
        Add(dx, dy, dx);   // dx + dy in that order, as Add writes y = a + b (y may alias a)
    }

    /// <summary>y = scale·x + shift (BatchNorm's affine normalisation of one plane). May run in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> a = Vector512.Create(scale), b = Vector512.Create(shift);
            for (; i <= n - 16; i += 16) Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), a, b).StoreUnsafe(ref yr, (nuint)i);
        }
        else
        {
            Vector<float> a = new(scale), b = new(shift);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref xr, (nuint)i), a, b).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, i), scale, shift);
    }

    /// <summary>dx += k·dy + a·x + b (BatchNorm's input gradient of one plane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void AccumulateAffine(ReadOnlySpan<float> dy, float k, ReadOnlySpan<float> x, float a, float b, Span<float> dx)
    {
        ref float gr = ref MemoryMarshal.GetReference(dy);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(dx);
        int n = dy.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> vk = Vector512.Create(k), va = Vector512.Create(a), vb = Vector512.Create(b);
            for (; i <= n - 16; i += 16)
                (Vector512.LoadUnsafe(ref dr, (nuint)i) + Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref gr, (nuint)i), vk, Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), va, vb))).StoreUnsafe(ref dr, (nuint)i);
        }
        else
        {
            Vector<float> vk = new(k), va = new(a), vb = new(b);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
                (Vector.LoadUnsafe(ref dr, (nuint)i) + Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref gr, (nuint)i), vk, Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref xr, (nuint)i), va, vb))).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref dr, i) += Unsafe.Add(ref gr, i) * k + (Unsafe.Add(ref xr, i) * a + b);
    }

    /// <summary>Σ x (lane-wise partial sums, then a horizontal sum; returned in double for the caller's cross-plane total).
    /// A row shorter than 16 is summed in double element by element on every vector width — what the 512-bit path does with
    /// it anyway — so short rows (BatchNorm's small maps, softmax over a few classes) give the same sum on AVX-512, AVX2 and
    /// 128-bit hosts; an 8-lane float sum of 13 values near 1e4 had put BatchNorm's invStd 2e-5 off on AVX2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double Sum(ReadOnlySpan<float> x)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double s = 0;
        if (n < 16) { }   // the scalar loop below, in double
        else if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero;
            for (; i <= n - 16; i += 16) acc += Vector512.LoadUnsafe(ref xr, (nuint)i);
            s = Vector512.Sum(acc);
        }
        else
        {
            var acc = Vector<float>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) acc += Vector.LoadUnsafe(ref xr, (nuint)i);
            s = Vector.Sum(acc);
        }
        for (; i < n; i++) s += Unsafe.Add(ref xr, i);
        return s;
    }

    /// <summary>Σ (x − shift)·w; with <paramref name="squared"/> = true, Σ (x − shift)² and w is ignored
    /// (BatchNorm's biased variance and its Σ dy·(x − mean)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double CenteredDot(ReadOnlySpan<float> x, float shift, ReadOnlySpan<float> w, bool squared)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float wr = ref MemoryMarshal.GetReference(squared ? x : w);
        int n = x.Length, i = 0;
        double s = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var acc = Vector512<float>.Zero; var m = Vector512.Create(shift);
            for (; i <= n - 16; i += 16)
            {
                var d = Vector512.LoadUnsafe(ref xr, (nuint)i) - m;
                acc = Vector512.FusedMultiplyAdd(d, squared ? d : Vector512.LoadUnsafe(ref wr, (nuint)i), acc);
            }
            s = Vector512.Sum(acc);
        }
        else
        {
            var acc = Vector<float>.Zero; var m = new Vector<float>(shift);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var d = Vector.LoadUnsafe(ref xr, (nuint)i) - m;
                acc = Vector.MultiplyAddEstimate(d, squared ? d : Vector.LoadUnsafe(ref wr, (nuint)i), acc);
            }
            s = Vector.Sum(acc);
        }
        for (; i < n; i++)
        {
            float d = Unsafe.Add(ref xr, i) - shift;
            s += d * (squared ? d : Unsafe.Add(ref wr, i));
        }
        return s;
    }
}
