using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>
/// The residual add, mirroring <c>ElementwiseOp</c>: forward y = a + b; backward adds dy into each input's gradient with
/// <see cref="MemoryKernels.Add"/> (dx += dy), which is already the accumulate kernel — gradients of a value with several
/// consumers are summed because every backward accumulates.
/// </summary>
public static class ElementwiseKernels
{
    /// <summary>y[i] = a[i] + b[i].</summary>
    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y) => y[i] = a[i] + b[i];

    /// <summary>Queues y = a + b over <paramref name="y"/>'s length.</summary>
    public static void Add(Accelerator accelerator, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        if (a.Length != y.Length || b.Length != y.Length)
            throw new ArgumentException($"ElementwiseKernels.Add: a has {a.Length}, b {b.Length} and y {y.Length} elements; a residual add needs equal shapes.");
        LoadedKernels.Get(accelerator, static acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Add))
            ((int)y.Length, a, b, y);
    }

    /// <summary>Queues dx += dy (the residual's backward, once per input).</summary>
    public static void Accumulate(Accelerator accelerator, ArrayView<float> dy, ArrayView<float> dx)
    {
        Shapes.Length("ElementwiseKernels.Accumulate", "dy", dy.Length, dx.Length, "dx's length");
        LoadedKernels.Get(accelerator, static acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(MemoryKernels.Add))
            ((int)dx.Length, dy, dx);
    }
}
