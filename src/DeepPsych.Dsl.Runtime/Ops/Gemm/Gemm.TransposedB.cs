using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

public static unsafe partial class Gemm
{
    // ------------------------------------------------------------------------------------------------
    // C = A·Bᵀ, dot products.
    // ------------------------------------------------------------------------------------------------

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    internal static void MultiplyTransposedBCore(int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate,
        float* colBias, Act act, float slope)
    {
        int lanes = Lanes;
        if (k < lanes)
        {
            // Too short for the masked-tail trick: plain loops (tiny layers only).
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    float s = accumulate ? c[(nint)i * ldc + j] : 0f;
                    for (int p = 0; p < k; p++) s += a[(nint)i * lda + p] * b[(nint)j * ldb + p];
                    if (colBias != null) s += colBias[j];
                    c[(nint)i * ldc + j] = ActivationOp.Apply(act, s, slope);
                }
            return;
        }
        if (m >= MicroRows && m < n && !accumulate && ReadsAInPlace(m, k, false))
        {
            MultiplyTransposedBAsTransposed(m, n, k, a, lda, b, ldb, c, ldc, colBias, act, slope);
            return;
        }
        if (m >= MicroRows)
        {
            // Enough rows to amortise packing Bᵀ: the packed kernel is ~2-3x faster than dot products.
            var src = new TransposedMatrixPanels(b, ldb);
            MultiplyCore(m, n, k, a, lda, false, ref src, c, ldc, accumulate, null, colBias, act, slope);
            return;
        }
        // Few rows (a batch-1 dense layer): dot products, each weight row read once. Such a layer is bound by memory
        // bandwidth (AlexNet's 9216→4096 reads 151 MB per image), so inside a single-shard call with spare threads the
        // columns are split across them (each element summed in the same order: bit-identical).
        int threads = Execution.WorkerPool.IntraOpThreads;
        if (threads > 1 && (long)m * n * k >= ParallelMinMultiplyAdds && n >= 2 * DotColumns)
            Execution.WorkerPool.RunIntraOp(threads, new DotProductColumns(m, n, k, a, lda, b, ldb, c, ldc, accumulate, colBias, act, slope));
        else
            MultiplyDotProducts(m, 0, n, k, a, lda, b, ldb, c, ldc, accumulate, colBias, act, slope);
    }

    /// <summary>
    /// C = A·Bᵀ for fewer rows of A than of B (a Dense layer's forward on a training shard: 32 samples × 400 features
    /// against 120 × 400 weights) computed as Cᵀ = B·Aᵀ and transposed into C. The packed product packs its right-hand
    /// operand: here Aᵀ (m·k floats, the samples) instead of Bᵀ (n·k floats, gathered across the weights' rows), and it
    /// reads its left-hand one, B, along its own rows (<see cref="ReadsAInPlace"/>): the weights are not copied at all.
    /// Every element is the same sum in the same order (k blocks, then the bias, then the activation), so the result is
    /// bit-identical to the direct product.
    /// </summary>
    private static void MultiplyTransposedBAsTransposed(int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc,
        float* colBias, Act act, float slope)
    {
        float* ct = Scratch.Get(Scratch.TransposedProduct, (long)n * m);
        var samples = new TransposedMatrixPanels(a, lda);
        MultiplyCore(n, m, k, b, ldb, false, ref samples, ct, m, false, colBias, null, act, slope);
        for (int i0 = 0; i0 < m; i0 += 8)   // C = (Cᵀ)ᵀ in 8 × 8 blocks, each row of C written in runs of 8
            for (int j0 = 0; j0 < n; j0 += 8)
                for (int i = i0, iEnd = Math.Min(i0 + 8, m); i < iEnd; i++)
                    for (int j = j0, jEnd = Math.Min(j0 + 8, n); j < jEnd; j++)
                        c[(nint)i * ldc + j] = ct[(nint)j * m + i];
    }

    /// <summary>Columns of C one call of <see cref="KernelNT"/> computes at most (rows of Bᵀ read together).</summary>
    private static int DotColumns => Wide ? 3 : 2;

    /// <summary>C[:, jBegin..jEnd) = A·Bᵀ by dot products, k in blocks of <see cref="NtKBlock"/> (the activation on the last).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyDotProducts(int m, int jBegin, int jEnd, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate,
        float* colBias, Act act, float slope)
    {
        int mr = Wide ? 8 : 4, nrt = DotColumns;
        for (int k0 = 0; ; )
        {
            int kc = Math.Min(NtKBlock, k - k0);
            bool last = k0 + kc >= k;
            bool loadC = accumulate || k0 > 0;
            Act blockAct = last ? act : Act.None;
            for (int i0 = 0; i0 < m; i0 += mr)
            {
                int rows = Math.Min(mr, m - i0);
                for (int j0 = jBegin; j0 < jEnd; j0 += nrt)
                {
                    int cols = Math.Min(nrt, jEnd - j0);
                    float* cb = last && colBias != null ? colBias + j0 : null;
                    KernelNT(rows, cols, kc, a + (nint)i0 * lda + k0, lda, b + (nint)j0 * ldb + k0, ldb, c + (nint)i0 * ldc + j0, ldc, loadC, cb, blockAct, slope);
                }
            }
            k0 += kc;
            if (k0 >= k) break;
        }
    }

    /// <summary>A dot-product product split by columns of C: part p takes the p-th run of whole <see cref="DotColumns"/> groups.</summary>
    private readonly struct DotProductColumns(int m, int n, int k, float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate,
        float* colBias, Act act, float slope) : Execution.IParts
    {
        public void Run(int part, int parts)
        {
            int group = DotColumns, groups = (n + group - 1) / group;
            int begin = Math.Min(n, Execution.Shards.Start(groups, parts, part) * group);
            int end = Math.Min(n, begin + Execution.Shards.Length(groups, parts, part) * group);
            if (begin < end) MultiplyDotProducts(m, begin, end, k, a, lda, b, ldb, c, ldc, accumulate, colBias, act, slope);
        }
    }

    private static void KernelNT(int rows, int cols, int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* cb, Act act, float slope)
    {
        if (Wide)
        {
            switch (cols)
            {
                case 3: KernelNT512R<R3>(rows, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
                case 2: KernelNT512R<R2>(rows, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
                default: KernelNT512R<R1>(rows, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            }
        }
        else if (Simd.Width == 256) KernelNTNarrow<Lanes256, Vector256<float>>(rows, cols, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope);
        else KernelNTNarrow<Lanes128, Vector128<float>>(rows, cols, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope);
    }

    private static void KernelNT512R<TC>(int rows, int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* cb, Act act, float slope) where TC : struct, IRowCount
    {
        switch (rows)
        {
            case 8: KernelNT512<R8, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 7: KernelNT512<R7, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 6: KernelNT512<R6, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 5: KernelNT512<R5, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 4: KernelNT512<R4, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 3: KernelNT512<R3, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 2: KernelNT512<R2, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            default: KernelNT512<R1, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
        }
    }

    private static void KernelNTNarrow<TW, TV>(int rows, int cols, int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* cb, Act act, float slope)
        where TW : struct, ILanes<TV> where TV : struct
    {
        if (cols == 2) KernelNTNarrowR<TW, TV, R2>(rows, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope);
        else KernelNTNarrowR<TW, TV, R1>(rows, kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope);
    }

    private static void KernelNTNarrowR<TW, TV, TC>(int rows, int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* cb, Act act, float slope)
        where TW : struct, ILanes<TV> where TV : struct where TC : struct, IRowCount
    {
        switch (rows)
        {
            case 4: KernelNT<TW, TV, R4, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 3: KernelNT<TW, TV, R3, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            case 2: KernelNT<TW, TV, R2, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
            default: KernelNT<TW, TV, R1, TC>(kc, a, lda, b, ldb, c, ldc, loadC, cb, act, slope); break;
        }
    }

    /// <summary>Epilogue of the dot-product kernel: C[r, j] = act((C[r, j] if loadC) + t[r·stride + j] + colBias[j]).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FinishTileNT(float* t, int stride, int rows, int cols, float* c, nint ldc, bool loadC, float* cb, Act act, float slope)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
            {
                float s = t[r * stride + j];
                if (loadC) s += c[r * ldc + j];
                if (cb != null) s += cb[j];
                c[r * ldc + j] = act == Act.None ? s : ActivationOp.Apply(act, s, slope);
            }
    }

    /// <summary>Lanes [16 - rem, 16) all ones, the rest zero (the masked k tail: the last rem elements are new).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> TailMask512(int rem)
        => Vector512.Load(s_maskBits + rem).AsSingle();

    /// <summary>Lanes [Count - rem, Count) all ones, the rest zero, at any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV TailMask<TW, TV>(int rem) where TW : struct, ILanes<TV> where TV : struct
        => TW.Load((float*)(s_maskBits + 16 - TW.Count + rem));

    /// <summary>16 zeros then 16 all-ones words; a window of 16 starting at rem masks in the last rem lanes.</summary>
    private static readonly int* s_maskBits = CreateMaskBits();

    private static int* CreateMaskBits()
    {
        var p = (int*)NativeMemory.AlignedAlloc(32 * sizeof(int), 64);   // lives for the process
        for (int i = 0; i < 32; i++) p[i] = i < 16 ? 0 : -1;
        return p;
    }
}
