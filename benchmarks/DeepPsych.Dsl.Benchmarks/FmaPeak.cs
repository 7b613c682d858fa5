using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Benchmarks;

/// <summary>
/// The machine's FMA peak at the vector width our kernels take (<see cref="Simd.Width"/>), on every core: each thread runs
/// a loop of independent fused multiply-adds (16 accumulators at 512 bits, 12 at 256/128 bits — more than the FMA
/// latency × the FMA ports, so the pipes never wait on a result). Every convolution figure reads as a share of it.
/// </summary>
public static class FmaPeak
{
    /// <summary>FMA steps per thread per call.</summary>
    private const int Iterations = 2_000_000;

    private static readonly float[] s_sink = new float[64 * 16];

    /// <summary>FLOPs of one <see cref="Run"/> call (2 per lane per FMA).</summary>
    public static double FlopsPerCall => 2.0 * Iterations * Accumulators * (Simd.Width == 512 ? 16 : Vector<float>.Count) * WorkerPool.Shared.MaxParallelism;

    private static int Accumulators => Simd.Width == 512 ? 16 : 12;

    private static readonly Action<int> s_body = Body;

    /// <summary>Runs the loop once on every core.</summary>
    public static void Run() => WorkerPool.Shared.Run(WorkerPool.Shared.MaxParallelism, s_body);

    private static void Body(int thread)
    {
        float r = Simd.Width == 512 ? Loop512(Iterations) : LoopVector(Iterations);
        s_sink[thread * 16] = r;   // keep the result alive (one cache line per thread)
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(int n)
    {
        var m = Vector512.Create(0.999999f); var c = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        Vector512<float> a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
        for (int i = 0; i < n; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a12 = Vector512.FusedMultiplyAdd(a12, m, c); a13 = Vector512.FusedMultiplyAdd(a13, m, c);
            a14 = Vector512.FusedMultiplyAdd(a14, m, c); a15 = Vector512.FusedMultiplyAdd(a15, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    /// <summary>The 256- and 128-bit loop: <see cref="Vector{T}"/> is 8 floats with AVX2 and 4 without (SSE / NEON), the
    /// width <see cref="Simd.Width"/> takes there; MultiplyAddEstimate is one FMA where the ISA has it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LoopVector(int n)
    {
        var m = new Vector<float>(0.999999f); var c = new Vector<float>(1e-6f);
        Vector<float> a0 = Vector<float>.One, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < n; i++)
        {
            a0 = Vector.MultiplyAddEstimate(a0, m, c); a1 = Vector.MultiplyAddEstimate(a1, m, c);
            a2 = Vector.MultiplyAddEstimate(a2, m, c); a3 = Vector.MultiplyAddEstimate(a3, m, c);
            a4 = Vector.MultiplyAddEstimate(a4, m, c); a5 = Vector.MultiplyAddEstimate(a5, m, c);
            a6 = Vector.MultiplyAddEstimate(a6, m, c); a7 = Vector.MultiplyAddEstimate(a7, m, c);
            a8 = Vector.MultiplyAddEstimate(a8, m, c); a9 = Vector.MultiplyAddEstimate(a9, m, c);
            a10 = Vector.MultiplyAddEstimate(a10, m, c); a11 = Vector.MultiplyAddEstimate(a11, m, c);
        }
        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
