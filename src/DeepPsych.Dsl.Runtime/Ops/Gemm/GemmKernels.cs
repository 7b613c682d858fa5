// Register-blocked GEMM micro-kernels, unrolled by hand-written template (/tmp generator, not shipped):
// every accumulator is a named local so the JIT keeps them all in vector registers. TR/TC are
// compile-time row/column counts (struct type arguments are specialised by the JIT, so `TR.Count > r`
// folds to a constant and the unused accumulators disappear).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

public static unsafe partial class Gemm
{
    /// <summary>C[0..R, 0..16·C) = A·B over <paramref name="kc"/> steps, R = TR.Count rows and C = TC.Count vectors of columns; A packed [kc][8] (broadcast side),
    /// or with <see cref="RowsOfA"/> read in place (row r at a + r·<paramref name="lda"/>, k contiguous); B's rows <paramref name="ldb"/> floats apart: packed [kc][48]
    /// (ldb = 48; vector side: a panel is 3 vectors wide; with C &lt; 3 only its first C vectors are read, the edge panel of n), or B read in place.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void KernelNN512<TR, TC, TA>(int kc, float* a, nint lda, float* b, nint ldb, float* c, int ldc, bool loadC, float* rowBias, float* colBias, Act act, float slope)
        where TR : struct, IRowCount where TC : struct, IRowCount where TA : struct, IAOperand
    {
        // Row r of the micro-panel at step kk: a[r·o1 + kk·step]; packed, o1 = 1 and step = 8 are constants the JIT folds.
        nint o1 = TA.InPlace ? lda : 1, step = TA.InPlace ? 1 : 8;
        nint o2 = 2 * o1, o3 = 3 * o1, o4 = 4 * o1, o5 = 5 * o1, o6 = 6 * o1, o7 = 7 * o1;
        Vector512<float> c0_0 = default, c0_1 = default, c0_2 = default;
        Vector512<float> c1_0 = default, c1_1 = default, c1_2 = default;
        Vector512<float> c2_0 = default, c2_1 = default, c2_2 = default;
        Vector512<float> c3_0 = default, c3_1 = default, c3_2 = default;
        Vector512<float> c4_0 = default, c4_1 = default, c4_2 = default;
        Vector512<float> c5_0 = default, c5_1 = default, c5_2 = default;
        Vector512<float> c6_0 = default, c6_1 = default, c6_2 = default;
        Vector512<float> c7_0 = default, c7_1 = default, c7_2 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            Vector512<float> b0 = Vector512.Load(b + 0), b1 = TC.Count > 1 ? Vector512.Load(b + 16) : default, b2 = TC.Count > 2 ? Vector512.Load(b + 32) : default;
            Vector512<float> a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0); if (TC.Count > 1) c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1); if (TC.Count > 2) c0_2 = Avx512F.FusedMultiplyAdd(a0, b2, c0_2);
            if (TR.Count > 1) { Vector512<float> a1 = Vector512.Create(a[o1]); c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0); if (TC.Count > 1) c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1); if (TC.Count > 2) c1_2 = Avx512F.FusedMultiplyAdd(a1, b2, c1_2); }
            if (TR.Count > 2) { Vector512<float> a2 = Vector512.Create(a[o2]); c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0); if (TC.Count > 1) c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1); if (TC.Count > 2) c2_2 = Avx512F.FusedMultiplyAdd(a2, b2, c2_2); }
            if (TR.Count > 3) { Vector512<float> a3 = Vector512.Create(a[o3]); c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0); if (TC.Count > 1) c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1); if (TC.Count > 2) c3_2 = Avx512F.FusedMultiplyAdd(a3, b2, c3_2); }
            if (TR.Count > 4) { Vector512<float> a4 = Vector512.Create(a[o4]); c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0); if (TC.Count > 1) c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1); if (TC.Count > 2) c4_2 = Avx512F.FusedMultiplyAdd(a4, b2, c4_2); }
            if (TR.Count > 5) { Vector512<float> a5 = Vector512.Create(a[o5]); c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0); if (TC.Count > 1) c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1); if (TC.Count > 2) c5_2 = Avx512F.FusedMultiplyAdd(a5, b2, c5_2); }
            if (TR.Count > 6) { Vector512<float> a6 = Vector512.Create(a[o6]); c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0); if (TC.Count > 1) c6_1 = Avx512F.FusedMultiplyAdd(a6, b1, c6_1); if (TC.Count > 2) c6_2 = Avx512F.FusedMultiplyAdd(a6, b2, c6_2); }
            if (TR.Count > 7) { Vector512<float> a7 = Vector512.Create(a[o7]); c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0); if (TC.Count > 1) c7_1 = Avx512F.FusedMultiplyAdd(a7, b1, c7_1); if (TC.Count > 2) c7_2 = Avx512F.FusedMultiplyAdd(a7, b2, c7_2); }
            a += step; b += ldb;
        }
        if (rowBias == null && colBias == null && act == Act.None)
        {
            // No epilogue but the optional + C (a Winograd product, a weight gradient): the accumulators go straight to C.
            StoreRow512<TC>(c0_0, c0_1, c0_2, c, loadC);
            if (TR.Count > 1) StoreRow512<TC>(c1_0, c1_1, c1_2, c + ldc, loadC);
            if (TR.Count > 2) StoreRow512<TC>(c2_0, c2_1, c2_2, c + 2 * ldc, loadC);
            if (TR.Count > 3) StoreRow512<TC>(c3_0, c3_1, c3_2, c + 3 * ldc, loadC);
            if (TR.Count > 4) StoreRow512<TC>(c4_0, c4_1, c4_2, c + 4 * ldc, loadC);
            if (TR.Count > 5) StoreRow512<TC>(c5_0, c5_1, c5_2, c + 5 * ldc, loadC);
            if (TR.Count > 6) StoreRow512<TC>(c6_0, c6_1, c6_2, c + 6 * ldc, loadC);
            if (TR.Count > 7) StoreRow512<TC>(c7_0, c7_1, c7_2, c + 7 * ldc, loadC);
            return;
        }
        // Park the tile in memory before the epilogue call, so no accumulator lives across a call (which would make the JIT spill them inside the loop).
        float* t = stackalloc float[384];
        Vector512.Store(c0_0, t + 0); if (TC.Count > 1) Vector512.Store(c0_1, t + 16); if (TC.Count > 2) Vector512.Store(c0_2, t + 32);
        if (TR.Count > 1) { Vector512.Store(c1_0, t + 48); if (TC.Count > 1) Vector512.Store(c1_1, t + 64); if (TC.Count > 2) Vector512.Store(c1_2, t + 80); }
        if (TR.Count > 2) { Vector512.Store(c2_0, t + 96); if (TC.Count > 1) Vector512.Store(c2_1, t + 112); if (TC.Count > 2) Vector512.Store(c2_2, t + 128); }
        if (TR.Count > 3) { Vector512.Store(c3_0, t + 144); if (TC.Count > 1) Vector512.Store(c3_1, t + 160); if (TC.Count > 2) Vector512.Store(c3_2, t + 176); }
        if (TR.Count > 4) { Vector512.Store(c4_0, t + 192); if (TC.Count > 1) Vector512.Store(c4_1, t + 208); if (TC.Count > 2) Vector512.Store(c4_2, t + 224); }
        if (TR.Count > 5) { Vector512.Store(c5_0, t + 240); if (TC.Count > 1) Vector512.Store(c5_1, t + 256); if (TC.Count > 2) Vector512.Store(c5_2, t + 272); }
        if (TR.Count > 6) { Vector512.Store(c6_0, t + 288); if (TC.Count > 1) Vector512.Store(c6_1, t + 304); if (TC.Count > 2) Vector512.Store(c6_2, t + 320); }
        if (TR.Count > 7) { Vector512.Store(c7_0, t + 336); if (TC.Count > 1) Vector512.Store(c7_1, t + 352); if (TC.Count > 2) Vector512.Store(c7_2, t + 368); }
        FinishTile<Lanes512, Vector512<float>>(t, TR.Count, TC.Count, c, ldc, loadC, rowBias, colBias, act, slope);
    }

    /// <summary>One row of a 512-bit micro-tile into C: its TC.Count vectors, plus C's old values with <paramref name="loadC"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow512<TC>(Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, float* c, bool loadC) where TC : struct, IRowCount
    {
        if (loadC)
        {
            v0 += Vector512.Load(c);
            if (TC.Count > 1) v1 += Vector512.Load(c + 16);
            if (TC.Count > 2) v2 += Vector512.Load(c + 32);
        }
        Vector512.Store(v0, c);
        if (TC.Count > 1) Vector512.Store(v1, c + 16);
        if (TC.Count > 2) Vector512.Store(v2, c + 32);
    }

    /// <summary>C[0..R, 0..C·W) = A·B over <paramref name="kc"/> steps at vector width W = TW.Count (256 or 128 bits), R = TR.Count rows and C = TC.Count vectors of
    /// columns; A packed [kc][4] (broadcast side), B packed [kc][3·W] (vector side; with C &lt; 3 only the first C vectors of a panel are read).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void KernelNN<TW, TV, TR, TC>(int kc, float* a, float* b, float* c, int ldc, bool loadC, float* rowBias, float* colBias, Act act, float slope) where TW : struct, ILanes<TV> where TV : struct where TR : struct, IRowCount where TC : struct, IRowCount
    {
        TV c0_0 = default, c0_1 = default, c0_2 = default;
        TV c1_0 = default, c1_1 = default, c1_2 = default;
        TV c2_0 = default, c2_1 = default, c2_2 = default;
        TV c3_0 = default, c3_1 = default, c3_2 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            TV b0 = TW.Load(b), b1 = TC.Count > 1 ? TW.Load(b + TW.Count) : default, b2 = TC.Count > 2 ? TW.Load(b + 2 * TW.Count) : default;
            TV a0 = TW.Broadcast(a[0]);
            c0_0 = TW.MultiplyAdd(a0, b0, c0_0); if (TC.Count > 1) c0_1 = TW.MultiplyAdd(a0, b1, c0_1); if (TC.Count > 2) c0_2 = TW.MultiplyAdd(a0, b2, c0_2);
            if (TR.Count > 1) { TV a1 = TW.Broadcast(a[1]); c1_0 = TW.MultiplyAdd(a1, b0, c1_0); if (TC.Count > 1) c1_1 = TW.MultiplyAdd(a1, b1, c1_1); if (TC.Count > 2) c1_2 = TW.MultiplyAdd(a1, b2, c1_2); }
            if (TR.Count > 2) { TV a2 = TW.Broadcast(a[2]); c2_0 = TW.MultiplyAdd(a2, b0, c2_0); if (TC.Count > 1) c2_1 = TW.MultiplyAdd(a2, b1, c2_1); if (TC.Count > 2) c2_2 = TW.MultiplyAdd(a2, b2, c2_2); }
            if (TR.Count > 3) { TV a3 = TW.Broadcast(a[3]); c3_0 = TW.MultiplyAdd(a3, b0, c3_0); if (TC.Count > 1) c3_1 = TW.MultiplyAdd(a3, b1, c3_1); if (TC.Count > 2) c3_2 = TW.MultiplyAdd(a3, b2, c3_2); }
            a += 4; b += 3 * TW.Count;
        }
        // Park the tile in memory before the epilogue call, so no accumulator lives across a call (which would make the JIT spill them inside the loop).
        float* t = stackalloc float[96];   // 4 rows × 3 vectors of at most 8 floats
        TW.Store(c0_0, t + 0 * TW.Count); if (TC.Count > 1) TW.Store(c0_1, t + 1 * TW.Count); if (TC.Count > 2) TW.Store(c0_2, t + 2 * TW.Count);
        if (TR.Count > 1) { TW.Store(c1_0, t + 3 * TW.Count); if (TC.Count > 1) TW.Store(c1_1, t + 4 * TW.Count); if (TC.Count > 2) TW.Store(c1_2, t + 5 * TW.Count); }
        if (TR.Count > 2) { TW.Store(c2_0, t + 6 * TW.Count); if (TC.Count > 1) TW.Store(c2_1, t + 7 * TW.Count); if (TC.Count > 2) TW.Store(c2_2, t + 8 * TW.Count); }
        if (TR.Count > 3) { TW.Store(c3_0, t + 9 * TW.Count); if (TC.Count > 1) TW.Store(c3_1, t + 10 * TW.Count); if (TC.Count > 2) TW.Store(c3_2, t + 11 * TW.Count); }
        FinishTile<TW, TV>(t, TR.Count, TC.Count, c, ldc, loadC, rowBias, colBias, act, slope);
    }

    /// <summary>C[r, j] = Σ_k A[r, k]·B[j, k] for r &lt; TR, j &lt; TC (dot products along contiguous rows); the k tail re-reads the last 16 elements with the already-summed lanes masked off, so it needs an absolute k end ≥ 16.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void KernelNT512<TR, TC>(int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* colBias, Act act, float slope) where TR : struct, IRowCount where TC : struct, IRowCount
    {
        Vector512<float> s0_0 = default, s0_1 = default, s0_2 = default;
        Vector512<float> s1_0 = default, s1_1 = default, s1_2 = default;
        Vector512<float> s2_0 = default, s2_1 = default, s2_2 = default;
        Vector512<float> s3_0 = default, s3_1 = default, s3_2 = default;
        Vector512<float> s4_0 = default, s4_1 = default, s4_2 = default;
        Vector512<float> s5_0 = default, s5_1 = default, s5_2 = default;
        Vector512<float> s6_0 = default, s6_1 = default, s6_2 = default;
        Vector512<float> s7_0 = default, s7_1 = default, s7_2 = default;
        float* a0 = a + 0 * lda, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda, a4 = a + 4 * lda, a5 = a + 5 * lda, a6 = a + 6 * lda, a7 = a + 7 * lda;
        float* b0 = b + 0 * ldb, b1 = b + 1 * ldb, b2 = b + 2 * ldb;
        int kk = 0;
        for (; kk <= kc - 16; kk += 16)
        {
            Vector512<float> v0 = Vector512.Load(b0 + kk), v1 = TC.Count > 1 ? Vector512.Load(b1 + kk) : default, v2 = TC.Count > 2 ? Vector512.Load(b2 + kk) : default;
            Vector512<float> x0 = Vector512.Load(a0 + kk); s0_0 = Avx512F.FusedMultiplyAdd(x0, v0, s0_0); if (TC.Count > 1) s0_1 = Avx512F.FusedMultiplyAdd(x0, v1, s0_1); if (TC.Count > 2) s0_2 = Avx512F.FusedMultiplyAdd(x0, v2, s0_2);
            if (TR.Count > 1) { Vector512<float> x1 = Vector512.Load(a1 + kk); s1_0 = Avx512F.FusedMultiplyAdd(x1, v0, s1_0); if (TC.Count > 1) s1_1 = Avx512F.FusedMultiplyAdd(x1, v1, s1_1); if (TC.Count > 2) s1_2 = Avx512F.FusedMultiplyAdd(x1, v2, s1_2); }
            if (TR.Count > 2) { Vector512<float> x2 = Vector512.Load(a2 + kk); s2_0 = Avx512F.FusedMultiplyAdd(x2, v0, s2_0); if (TC.Count > 1) s2_1 = Avx512F.FusedMultiplyAdd(x2, v1, s2_1); if (TC.Count > 2) s2_2 = Avx512F.FusedMultiplyAdd(x2, v2, s2_2); }
            if (TR.Count > 3) { Vector512<float> x3 = Vector512.Load(a3 + kk); s3_0 = Avx512F.FusedMultiplyAdd(x3, v0, s3_0); if (TC.Count > 1) s3_1 = Avx512F.FusedMultiplyAdd(x3, v1, s3_1); if (TC.Count > 2) s3_2 = Avx512F.FusedMultiplyAdd(x3, v2, s3_2); }
            if (TR.Count > 4) { Vector512<float> x4 = Vector512.Load(a4 + kk); s4_0 = Avx512F.FusedMultiplyAdd(x4, v0, s4_0); if (TC.Count > 1) s4_1 = Avx512F.FusedMultiplyAdd(x4, v1, s4_1); if (TC.Count > 2) s4_2 = Avx512F.FusedMultiplyAdd(x4, v2, s4_2); }
            if (TR.Count > 5) { Vector512<float> x5 = Vector512.Load(a5 + kk); s5_0 = Avx512F.FusedMultiplyAdd(x5, v0, s5_0); if (TC.Count > 1) s5_1 = Avx512F.FusedMultiplyAdd(x5, v1, s5_1); if (TC.Count > 2) s5_2 = Avx512F.FusedMultiplyAdd(x5, v2, s5_2); }
            if (TR.Count > 6) { Vector512<float> x6 = Vector512.Load(a6 + kk); s6_0 = Avx512F.FusedMultiplyAdd(x6, v0, s6_0); if (TC.Count > 1) s6_1 = Avx512F.FusedMultiplyAdd(x6, v1, s6_1); if (TC.Count > 2) s6_2 = Avx512F.FusedMultiplyAdd(x6, v2, s6_2); }
            if (TR.Count > 7) { Vector512<float> x7 = Vector512.Load(a7 + kk); s7_0 = Avx512F.FusedMultiplyAdd(x7, v0, s7_0); if (TC.Count > 1) s7_1 = Avx512F.FusedMultiplyAdd(x7, v1, s7_1); if (TC.Count > 2) s7_2 = Avx512F.FusedMultiplyAdd(x7, v2, s7_2); }
        }
        if (kk < kc)
        {
            int off = kc - 16;
            Vector512<float> m = TailMask512(kc - kk);
            Vector512<float> v0 = Vector512.Load(b0 + off) & m, v1 = TC.Count > 1 ? Vector512.Load(b1 + off) & m : default, v2 = TC.Count > 2 ? Vector512.Load(b2 + off) & m : default;
            Vector512<float> x0 = Vector512.Load(a0 + off); s0_0 = Avx512F.FusedMultiplyAdd(x0, v0, s0_0); if (TC.Count > 1) s0_1 = Avx512F.FusedMultiplyAdd(x0, v1, s0_1); if (TC.Count > 2) s0_2 = Avx512F.FusedMultiplyAdd(x0, v2, s0_2);
            if (TR.Count > 1) { Vector512<float> x1 = Vector512.Load(a1 + off); s1_0 = Avx512F.FusedMultiplyAdd(x1, v0, s1_0); if (TC.Count > 1) s1_1 = Avx512F.FusedMultiplyAdd(x1, v1, s1_1); if (TC.Count > 2) s1_2 = Avx512F.FusedMultiplyAdd(x1, v2, s1_2); }
            if (TR.Count > 2) { Vector512<float> x2 = Vector512.Load(a2 + off); s2_0 = Avx512F.FusedMultiplyAdd(x2, v0, s2_0); if (TC.Count > 1) s2_1 = Avx512F.FusedMultiplyAdd(x2, v1, s2_1); if (TC.Count > 2) s2_2 = Avx512F.FusedMultiplyAdd(x2, v2, s2_2); }
            if (TR.Count > 3) { Vector512<float> x3 = Vector512.Load(a3 + off); s3_0 = Avx512F.FusedMultiplyAdd(x3, v0, s3_0); if (TC.Count > 1) s3_1 = Avx512F.FusedMultiplyAdd(x3, v1, s3_1); if (TC.Count > 2) s3_2 = Avx512F.FusedMultiplyAdd(x3, v2, s3_2); }
            if (TR.Count > 4) { Vector512<float> x4 = Vector512.Load(a4 + off); s4_0 = Avx512F.FusedMultiplyAdd(x4, v0, s4_0); if (TC.Count > 1) s4_1 = Avx512F.FusedMultiplyAdd(x4, v1, s4_1); if (TC.Count > 2) s4_2 = Avx512F.FusedMultiplyAdd(x4, v2, s4_2); }
            if (TR.Count > 5) { Vector512<float> x5 = Vector512.Load(a5 + off); s5_0 = Avx512F.FusedMultiplyAdd(x5, v0, s5_0); if (TC.Count > 1) s5_1 = Avx512F.FusedMultiplyAdd(x5, v1, s5_1); if (TC.Count > 2) s5_2 = Avx512F.FusedMultiplyAdd(x5, v2, s5_2); }
            if (TR.Count > 6) { Vector512<float> x6 = Vector512.Load(a6 + off); s6_0 = Avx512F.FusedMultiplyAdd(x6, v0, s6_0); if (TC.Count > 1) s6_1 = Avx512F.FusedMultiplyAdd(x6, v1, s6_1); if (TC.Count > 2) s6_2 = Avx512F.FusedMultiplyAdd(x6, v2, s6_2); }
            if (TR.Count > 7) { Vector512<float> x7 = Vector512.Load(a7 + off); s7_0 = Avx512F.FusedMultiplyAdd(x7, v0, s7_0); if (TC.Count > 1) s7_1 = Avx512F.FusedMultiplyAdd(x7, v1, s7_1); if (TC.Count > 2) s7_2 = Avx512F.FusedMultiplyAdd(x7, v2, s7_2); }
        }
        float* t = stackalloc float[24];
        t[0] = Vector512.Sum(s0_0);
        if (TC.Count > 1) t[1] = Vector512.Sum(s0_1);
        if (TC.Count > 2) t[2] = Vector512.Sum(s0_2);
        if (TR.Count > 1) t[3] = Vector512.Sum(s1_0);
        if (TR.Count > 1 && TC.Count > 1) t[4] = Vector512.Sum(s1_1);
        if (TR.Count > 1 && TC.Count > 2) t[5] = Vector512.Sum(s1_2);
        if (TR.Count > 2) t[6] = Vector512.Sum(s2_0);
        if (TR.Count > 2 && TC.Count > 1) t[7] = Vector512.Sum(s2_1);
        if (TR.Count > 2 && TC.Count > 2) t[8] = Vector512.Sum(s2_2);
        if (TR.Count > 3) t[9] = Vector512.Sum(s3_0);
        if (TR.Count > 3 && TC.Count > 1) t[10] = Vector512.Sum(s3_1);
        if (TR.Count > 3 && TC.Count > 2) t[11] = Vector512.Sum(s3_2);
        if (TR.Count > 4) t[12] = Vector512.Sum(s4_0);
        if (TR.Count > 4 && TC.Count > 1) t[13] = Vector512.Sum(s4_1);
        if (TR.Count > 4 && TC.Count > 2) t[14] = Vector512.Sum(s4_2);
        if (TR.Count > 5) t[15] = Vector512.Sum(s5_0);
        if (TR.Count > 5 && TC.Count > 1) t[16] = Vector512.Sum(s5_1);
        if (TR.Count > 5 && TC.Count > 2) t[17] = Vector512.Sum(s5_2);
        if (TR.Count > 6) t[18] = Vector512.Sum(s6_0);
        if (TR.Count > 6 && TC.Count > 1) t[19] = Vector512.Sum(s6_1);
        if (TR.Count > 6 && TC.Count > 2) t[20] = Vector512.Sum(s6_2);
        if (TR.Count > 7) t[21] = Vector512.Sum(s7_0);
        if (TR.Count > 7 && TC.Count > 1) t[22] = Vector512.Sum(s7_1);
        if (TR.Count > 7 && TC.Count > 2) t[23] = Vector512.Sum(s7_2);
        FinishTileNT(t, 3, TR.Count, TC.Count, c, ldc, loadC, colBias, act, slope);
    }

    /// <summary>C[r, j] = Σ_k A[r, k]·B[j, k] for r &lt; TR, j &lt; TC (dot products along contiguous rows); at vector width W = TW.Count (256 or 128 bits); the k tail re-reads the last W elements with the already-summed lanes masked off, so it needs an absolute k end ≥ W.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void KernelNT<TW, TV, TR, TC>(int kc, float* a, nint lda, float* b, nint ldb, float* c, nint ldc, bool loadC, float* colBias, Act act, float slope) where TW : struct, ILanes<TV> where TV : struct where TR : struct, IRowCount where TC : struct, IRowCount
    {
        TV s0_0 = default, s0_1 = default;
        TV s1_0 = default, s1_1 = default;
        TV s2_0 = default, s2_1 = default;
        TV s3_0 = default, s3_1 = default;
        float* a0 = a + 0 * lda, a1 = a + 1 * lda, a2 = a + 2 * lda, a3 = a + 3 * lda;
        float* b0 = b + 0 * ldb, b1 = b + 1 * ldb;
        int kk = 0;
        for (; kk <= kc - TW.Count; kk += TW.Count)
        {
            TV v0 = TW.Load(b0 + kk), v1 = TC.Count > 1 ? TW.Load(b1 + kk) : default;
            TV x0 = TW.Load(a0 + kk); s0_0 = TW.MultiplyAdd(x0, v0, s0_0); if (TC.Count > 1) s0_1 = TW.MultiplyAdd(x0, v1, s0_1);
            if (TR.Count > 1) { TV x1 = TW.Load(a1 + kk); s1_0 = TW.MultiplyAdd(x1, v0, s1_0); if (TC.Count > 1) s1_1 = TW.MultiplyAdd(x1, v1, s1_1); }
            if (TR.Count > 2) { TV x2 = TW.Load(a2 + kk); s2_0 = TW.MultiplyAdd(x2, v0, s2_0); if (TC.Count > 1) s2_1 = TW.MultiplyAdd(x2, v1, s2_1); }
            if (TR.Count > 3) { TV x3 = TW.Load(a3 + kk); s3_0 = TW.MultiplyAdd(x3, v0, s3_0); if (TC.Count > 1) s3_1 = TW.MultiplyAdd(x3, v1, s3_1); }
        }
        if (kk < kc)
        {
            int off = kc - TW.Count;
            TV m = TailMask<TW, TV>(kc - kk);
            TV v0 = TW.And(TW.Load(b0 + off), m), v1 = TC.Count > 1 ? TW.And(TW.Load(b1 + off), m) : default;
            TV x0 = TW.Load(a0 + off); s0_0 = TW.MultiplyAdd(x0, v0, s0_0); if (TC.Count > 1) s0_1 = TW.MultiplyAdd(x0, v1, s0_1);
            if (TR.Count > 1) { TV x1 = TW.Load(a1 + off); s1_0 = TW.MultiplyAdd(x1, v0, s1_0); if (TC.Count > 1) s1_1 = TW.MultiplyAdd(x1, v1, s1_1); }
            if (TR.Count > 2) { TV x2 = TW.Load(a2 + off); s2_0 = TW.MultiplyAdd(x2, v0, s2_0); if (TC.Count > 1) s2_1 = TW.MultiplyAdd(x2, v1, s2_1); }
            if (TR.Count > 3) { TV x3 = TW.Load(a3 + off); s3_0 = TW.MultiplyAdd(x3, v0, s3_0); if (TC.Count > 1) s3_1 = TW.MultiplyAdd(x3, v1, s3_1); }
        }
        float* t = stackalloc float[8];
        t[0] = TW.Sum(s0_0);
        if (TC.Count > 1) t[1] = TW.Sum(s0_1);
        if (TR.Count > 1) t[2] = TW.Sum(s1_0);
        if (TR.Count > 1 && TC.Count > 1) t[3] = TW.Sum(s1_1);
        if (TR.Count > 2) t[4] = TW.Sum(s2_0);
        if (TR.Count > 2 && TC.Count > 1) t[5] = TW.Sum(s2_1);
        if (TR.Count > 3) t[6] = TW.Sum(s3_0);
        if (TR.Count > 3 && TC.Count > 1) t[7] = TW.Sum(s3_1);
        FinishTileNT(t, 2, TR.Count, TC.Count, c, ldc, loadC, colBias, act, slope);
    }
}
