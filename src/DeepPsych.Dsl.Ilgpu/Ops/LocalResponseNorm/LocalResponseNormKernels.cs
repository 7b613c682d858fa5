using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>LRN's shape and PyTorch parameters (size, α, β, k), passed as <see cref="SpecializedValue{T}"/>.</summary>
public readonly record struct LrnShape(int N, int C, int S, int Size, float Alpha, float Beta, float K)
{
    /// <summary>N·C·S.</summary>
    public int Length => N * C * S;
}

/// <summary>
/// Local response normalisation kernels mirroring <c>LocalResponseNormOp</c>, one thread per element, forward beside backward:
/// forward s = k + α/size·Σ_window x², y = x·s^−β (s kept); backward GATHERS, for element j, the channels c whose window
/// holds j: dx += dy·s^−β − (2αβ/size)·x·Σ_c dy·y/s. No atomics.
/// </summary>
public static class LocalResponseNormKernels
{
    /// <summary>y[n, c, p] = x·s^−β with s = k + α/size·Σ_{c' ∈ [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]} x²; scale = s.</summary>
    public static void Forward(Index1D index, SpecializedValue<LrnShape> shape, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale)
    {
        var s = shape.Value;
        int i = index;
        int p = i % s.S, t = i / s.S;
        int c = t % s.C, n = t / s.C;
        int c0 = c - s.Size / 2, c1 = c + (s.Size - 1) / 2;
        if (c0 < 0) c0 = 0;
        if (c1 > s.C - 1) c1 = s.C - 1;
        float sum = 0f;
        for (int cc = c0; cc <= c1; cc++) { float v = x[(n * s.C + cc) * s.S + p]; sum += v * v; }
        float sc = s.K + s.Alpha / s.Size * sum;
        scale[i] = sc;
        y[i] = x[i] * XMath.Exp(-s.Beta * XMath.Log(sc));
    }

    /// <summary>dx[j] += dy·s^−β − (2αβ/size)·x·Σ_{c ∈ [j − ⌊(size−1)/2⌋, j + ⌊size/2⌋]} dy[c]·y[c]/s[c].</summary>
    public static void Backward(Index1D index, SpecializedValue<LrnShape> shape, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale, ArrayView<float> dy, ArrayView<float> dx)
    {
        var s = shape.Value;
        int i = index;
        int p = i % s.S, t = i / s.S;
        int j = t % s.C, n = t / s.C;
        int c0 = j - (s.Size - 1) / 2, c1 = j + s.Size / 2;
        if (c0 < 0) c0 = 0;
        if (c1 > s.C - 1) c1 = s.C - 1;
        float sum = 0f;
        for (int c = c0; c <= c1; c++) { int q = (n * s.C + c) * s.S + p; sum += dy[q] * y[q] / scale[q]; }
        dx[i] += dy[i] * XMath.Exp(-s.Beta * XMath.Log(scale[i])) - 2f * s.Alpha * s.Beta / s.Size * x[i] * sum;
    }

    /// <summary>Queues the Forward kernel.</summary>
    public static void Forward(Accelerator accelerator, LrnShape shape, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale)
    {
        Check("LocalResponseNormKernels.Forward", shape, x, "x", y, "y", scale, "scale");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<LrnShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Forward))
            (shape.Length, SpecializedValue.New(shape), x, y, scale);
    }

    /// <summary>Queues the Backward kernel (accumulates into dx).</summary>
    public static void Backward(Accelerator accelerator, LrnShape shape, ArrayView<float> x, ArrayView<float> y, ArrayView<float> scale, ArrayView<float> dy, ArrayView<float> dx)
    {
        Check("LocalResponseNormKernels.Backward", shape, x, "x", y, "y", scale, "scale");
        Check("LocalResponseNormKernels.Backward", shape, dy, "dy", dx, "dx", dx, "dx");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<LrnShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Backward))
            (shape.Length, SpecializedValue.New(shape), x, y, scale, dy, dx);
    }

    private static void Check(string op, LrnShape s, ArrayView<float> a, string aName, ArrayView<float> b, string bName, ArrayView<float> c, string cName)
    {
        if (s.N < 0 || s.C <= 0 || s.S <= 0 || s.Size <= 0 || !(s.K > 0f)) throw new ArgumentException($"{op}: invalid shape or parameters {s} (size ≥ 1, k > 0).");
        string text = $"{s.N}x{s.C}x{s.S}";
        Shapes.Length(op, aName, a.Length, s.Length, text); Shapes.Length(op, bName, b.Length, s.Length, text); Shapes.Length(op, cName, c.Length, s.Length, text);
    }
}
