using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Single-threaded, vectorised matrix multiplication shared by <see cref="Conv2DOp"/> and <see cref="DenseOp"/>.
/// All matrices are row-major float32 with explicit leading dimensions (row strides).
/// </summary>
/// <remarks>
/// <para><b>Multiply</b> (C = op(A)·B): the classic packed GEMM (GotoBLAS/BLIS loop order). B is packed into panels of
/// <see cref="MicroColumns"/> columns (the vector side: 3 × Vector512 = 48 floats), A into micro-panels of
/// <see cref="MicroRows"/> rows (the broadcast side: 8 rows). The micro-kernel keeps an 8 × 48 tile of C in 24 zmm
/// registers and, per k, does 3 loads + 8 broadcasts + 24 FMAs. A micro-panel (8 × kc) stays in L1 while B panels
/// stream from L2; k is blocked so that one B block fits in L2. The edge panel of n runs on as few vectors as cover it
/// (1 or 2: a 7×7 map's 63 wide columns cost 64, not 96). A caller with one A and many B (a convolution's weights, sample
/// after sample) packs A once (<see cref="PackWhole"/>) and passes it in. A product whose columns fit one packed block of
/// B (a batch-1 convolution on a 7×7 or 14×14 map) reads every element of A once, so with AVX-512 the kernel reads A along
/// its own rows instead of packing it (<see cref="ReadsAInPlace"/>): packing would add a write and a read of every weight.</para>
/// <para><b>MultiplyTransposedB</b> (C = A·Bᵀ, e.g. a dense layer's x·Wᵀ): with at least <see cref="MicroRows"/> rows, Bᵀ is
/// packed (transposed while packing) and the packed kernel runs — measured ~2x faster than dot products at batch 32.
/// With fewer rows (batch-1 inference) packing would cost as much as the product, so both operands are read along
/// their contiguous rows as up to 8 × 3 vector dot products, reduced horizontally at the end.</para>
/// <para>With AVX-512 the kernels use Vector512 + FMA; otherwise one generic kernel (<see cref="ILanes{TV}"/>) at 256 bits (AVX2)
/// or 128 bits (SSE / NEON), FMA when available, with 4 × 3-vector / 4 × 2 tiles (<see cref="Simd.Width"/> decides).</para>
/// <para>Epilogue: after the full k sum, optionally add the old C (<c>accumulate</c>), a per-row bias, a per-column bias,
/// then apply an activation — fused so the output is written once.</para>
/// </remarks>
public static unsafe partial class Gemm
{
    internal static readonly bool Wide = Simd.Width == 512;

    /// <summary>Floats per vector at the width taken (16, 8 or 4).</summary>
    private static readonly int Lanes = Simd.Width / 32;

    /// <summary>Rows of C per micro-kernel call in <see cref="Multiply"/> (8 with AVX-512, else 4).</summary>
    public static int MicroRows => Wide ? 8 : 4;

    /// <summary>Columns of C per micro-kernel call in <see cref="Multiply"/>: 3 vectors (48 with AVX-512, 24 with AVX2, 12 with 128-bit vectors).</summary>
    public static int MicroColumns => 3 * Lanes;

    /// <summary>Largest k block (packed A micro-panel 8 × 384 floats = 12 KiB, stays in L1).</summary>
    private const int MaxKBlock = 384;
    /// <summary>Target size of one packed B block (kc × nc floats), sized for L2.</summary>
    private const int PackedBBytes = 384 * 1024;
    /// <summary>k block of <see cref="MultiplyTransposedB"/> (8 + 3 rows × 1024 floats = 44 KiB).</summary>
    private const int NtKBlock = 1024;

    /// <summary>
    /// C = op(A)·B (+ C if <paramref name="accumulate"/>) (+ rowBias[i]) (+ columnBias[j]), then y = act(·).
    /// op(A) is m × k: A[i, p] = a[i·lda + p], or with <paramref name="transposeA"/> A[i, p] = a[p·lda + i] (a stored k × m).
    /// B is k × n: B[p, j] = b[p·ldb + j]. C is m × n: C[i, j] = c[i·ldc + j].
    /// </summary>
    /// <exception cref="ArgumentException">A span is too short for the given shape and leading dimension.</exception>
    public static void Multiply(int m, int n, int k, ReadOnlySpan<float> a, int lda, bool transposeA, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> rowBias = default, ReadOnlySpan<float> columnBias = default,
        Act act = Act.None, float leakySlope = 0.01f)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm.Multiply: negative size m={m} n={n} k={k}.");
        if (m == 0 || n == 0) return;
        Check("Gemm.Multiply", "a", a.Length, transposeA ? k : m, transposeA ? m : k, lda);
        Check("Gemm.Multiply", "b", b.Length, k, n, ldb);
        Check("Gemm.Multiply", "c", c.Length, m, n, ldc);
        if (!rowBias.IsEmpty && rowBias.Length < m) throw new ArgumentException($"Gemm.Multiply: rowBias has {rowBias.Length} elements, need m={m}.");
        if (!columnBias.IsEmpty && columnBias.Length < n) throw new ArgumentException($"Gemm.Multiply: columnBias has {columnBias.Length} elements, need n={n}.");
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c) fixed (float* prb = rowBias) fixed (float* pcb = columnBias)
        {
            var src = new MatrixPanels(pb, ldb);
            MultiplyCore(m, n, k, pa, lda, transposeA, ref src, pc, ldc, accumulate, prb, pcb, act, leakySlope);
        }
    }

    /// <summary>
    /// C = A·Bᵀ (+ C if <paramref name="accumulate"/>) (+ columnBias[j]), then act(·): C[i, j] = Σ_p a[i·lda + p]·b[j·ldb + p].
    /// A is m × k, B is n × k (both read along contiguous rows), C is m × n.
    /// </summary>
    /// <exception cref="ArgumentException">A span is too short for the given shape and leading dimension.</exception>
    public static void MultiplyTransposedB(int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        Span<float> c, int ldc, bool accumulate, ReadOnlySpan<float> columnBias = default, Act act = Act.None, float leakySlope = 0.01f)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"Gemm.MultiplyTransposedB: negative size m={m} n={n} k={k}.");
        if (m == 0 || n == 0) return;
        Check("Gemm.MultiplyTransposedB", "a", a.Length, m, k, lda);
        Check("Gemm.MultiplyTransposedB", "b", b.Length, n, k, ldb);
        Check("Gemm.MultiplyTransposedB", "c", c.Length, m, n, ldc);
        if (!columnBias.IsEmpty && columnBias.Length < n) throw new ArgumentException($"Gemm.MultiplyTransposedB: columnBias has {columnBias.Length} elements, need n={n}.");
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c) fixed (float* pcb = columnBias)
            MultiplyTransposedBCore(m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, pcb, act, leakySlope);
    }

    private static void Check(string op, string name, int length, int rows, int cols, int ld)
    {
        if (ld < cols) throw new ArgumentException($"{op}: leading dimension of {name} is {ld} but it has {cols} columns.");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need) throw new ArgumentException($"{op}: {name} has {length} elements but a {rows}x{cols} matrix with leading dimension {ld} needs {need}.");
    }

    // ------------------------------------------------------------------------------------------------
    // C = op(A)·B, packed.
    // ------------------------------------------------------------------------------------------------

    /// <summary>dst[0..n) = src[0..n), vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Copy(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(src + i), dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(src + i), dst + i);
        for (; i <= n - 4; i += 4) Vector128.Store(Vector128.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] = src[i];
    }

    /// <summary>dst[0..n) += src[0..n), vectorised.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddTo(float* src, float* dst, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.Load(dst + i) + Vector512.Load(src + i), dst + i);
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i <= n - 4; i += 4) Vector128.Store(Vector128.Load(dst + i) + Vector128.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }

    /// <summary>The packed GEMM driver: C = op(A)·B with B supplied panel by panel by <paramref name="b"/> (a matrix, or im2col on the fly).
    /// With <paramref name="packedA"/> (op(A) packed by <see cref="PackWhole"/>) A is not packed again and <paramref name="a"/> is not read.
    /// Inside a single-shard network call with spare threads (<see cref="Execution.WorkerPool.IntraOpThreads"/>) a large product is split
    /// into blocks of C across them (<see cref="MultiplyParallel{TB}"/>); each element is summed in the same order either way.</summary>
    internal static void MultiplyCore<TB>(int m, int n, int k, float* a, int lda, bool transA, ref TB b, float* c, int ldc, bool accumulate,
        float* rowBias, float* colBias, Act act, float slope, float* packedA = null) where TB : struct, IPanelSource
    {
        int threads = Execution.WorkerPool.IntraOpThreads;
        if (threads > 1 && (long)m * n * k >= ParallelMinMultiplyAdds)
            MultiplyParallel(threads, m, n, k, a, lda, transA, b, c, ldc, accumulate, rowBias, colBias, act, slope, packedA);
        else
            MultiplyBlock(m, n, k, 0, m, 0, n, a, lda, transA, ref b, c, ldc, accumulate, rowBias, colBias, act, slope, packedA);
    }

    /// <summary>The serial driver for the block of C rows [<paramref name="iBegin"/>, <paramref name="iEnd"/>) × columns
    /// [<paramref name="jBegin"/>, <paramref name="jEnd"/>) of the m × n product (iBegin a multiple of <see cref="MicroRows"/>, jBegin of
    /// <see cref="MicroColumns"/>); the whole product is the block [0, m) × [0, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void MultiplyBlock<TB>(int m, int n, int k, int iBegin, int iEnd, int jBegin, int jEnd, float* a, int lda, bool transA, ref TB b,
        float* c, int ldc, bool accumulate, float* rowBias, float* colBias, Act act, float slope, float* packedA) where TB : struct, IPanelSource
    {
        int mr = MicroRows, nr = MicroColumns, lanes = Lanes;
        int kcMax = KBlock(k);
        int ncMax = Math.Min(ColumnBlock(k), (jEnd - jBegin + nr - 1) / nr * nr);
        int mPad = (m + mr - 1) / mr * mr;
        // A's micro-panels: the caller's whole packing (indexed by the row), this block's rows packed here per k block,
        // or, when the product has one block of columns, A's own rows (each element is then read once: packing would
        // only add a write and a read of every weight, which is what bounds a batch-1 convolution with many channels).
        bool inPlace = packedA == null && ReadsAInPlace(n, k, transA);
        int panelRow0 = packedA != null ? 0 : iBegin;
        float* ap = packedA != null || inPlace ? null : Scratch.Get(Scratch.PackA, (long)(iEnd - iBegin + mr - 1) / mr * mr * kcMax);
        float* aRows = transA ? a + iBegin : a + (nint)iBegin * lda;
        // B read where it lies (AVX-512 only, rows ldbRows apart) or packed per block into panels nr wide.
        float* bRows = null;
        int ldbRows = nr;
        if (Wide && (bRows = b.InPlace(out int rowStride)) != null) ldbRows = rowStride;
        float* bp = bRows != null ? null : Scratch.Get(Scratch.PackB, (long)kcMax * ncMax);
        float* tile = Scratch.Get(Scratch.Tile, mr * nr + nr);
        float* tileBias = tile + mr * nr;

        for (int k0 = 0; ; )
        {
            int kc = Math.Min(kcMax, k - k0);
            bool last = k0 + kc >= k;
            bool loadC = accumulate || k0 > 0;
            if (packedA != null) ap = packedA + (nint)mPad * k0;   // packed once by the caller (PackWhole)
            else if (!inPlace) PackA(aRows, lda, transA, iEnd - iBegin, k0, kc, ap, mr);
            for (int j0 = jBegin; j0 < jEnd; j0 += ncMax)
            {
                int nc = Math.Min(ncMax, jEnd - j0);
                if (bRows == null) b.Pack(k0, kc, j0, nc, bp, nr);
                for (int i0 = iBegin; i0 < iEnd; i0 += mr)
                {
                    int rows = Math.Min(mr, iEnd - i0);
                    float* apan = inPlace ? aRows + (nint)(i0 - iBegin) * lda + k0 : ap + (nint)(i0 - panelRow0) * kc;
                    float* rb = last && rowBias != null ? rowBias + i0 : null;
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bpan = bRows != null ? bRows + (nint)k0 * ldbRows + j0 + jr : bp + (nint)jr * kc;
                        float* cb = last && colBias != null ? colBias + j0 + jr : null;
                        float* ct = c + (nint)i0 * ldc + j0 + jr;
                        int vectors = (cols + lanes - 1) / lanes;   // 3 but on the edge panel
                        if (cols == vectors * lanes)
                        {
                            Kernel(rows, vectors, kc, apan, inPlace, lda, bpan, ldbRows, ct, ldc, loadC, rb, cb, last ? act : Act.None, slope);
                        }
                        else
                        {
                            // Edge tile: run the kernel on whole vectors of a private tile, copy back the valid columns.
                            if (loadC) for (int r = 0; r < rows; r++) Copy(ct + (nint)r * ldc, tile + r * nr, cols);
                            if (cb != null) { Copy(cb, tileBias, cols); new Span<float>(tileBias + cols, nr - cols).Clear(); cb = tileBias; }
                            Kernel(rows, vectors, kc, apan, inPlace, lda, bpan, ldbRows, tile, nr, loadC, rb, cb, last ? act : Act.None, slope);
                            for (int r = 0; r < rows; r++) Copy(tile + r * nr, ct + (nint)r * ldc, cols);
                        }
                    }
                }
            }
            k0 += kc;
            if (k0 >= k) break;
        }
    }

    /// <summary>Columns of B packed per block (kc × this many floats fill <see cref="PackedBBytes"/>), a whole number of panels.</summary>
    private static int ColumnBlock(int k) => Math.Max(MicroColumns, PackedBBytes / 4 / Math.Max(1, KBlock(k)) / MicroColumns * MicroColumns);

    /// <summary>Whether the product C = op(A)·B (n columns, depth k) reads A along its own rows instead of packing it: with
    /// AVX-512, A not transposed, and n within one block of columns, so that every element of A is read exactly once.
    /// A caller that packs A itself for many products (<see cref="PackWhole"/>) asks first and skips it.</summary>
    internal static bool ReadsAInPlace(int n, int k, bool transA) => Wide && !transA && n <= ColumnBlock(k);

    /// <summary>The packed micro-kernel for <paramref name="rows"/> rows (1..<see cref="MicroRows"/>) and <paramref name="vectors"/> vectors of
    /// columns (1..3: fewer than 3 only on the edge panel of n, so a 49- or 63-column product does not pay for 96); A packed,
    /// or with <paramref name="aInPlace"/> read from its rows (stride <paramref name="lda"/>; AVX-512 only, see <see cref="ReadsAInPlace"/>);
    /// B's rows <paramref name="ldb"/> floats apart: the panel width when packed, B's own row stride when read in place (AVX-512 only,
    /// <see cref="IPanelSource.InPlace"/>).</summary>
    private static void Kernel(int rows, int vectors, int kc, float* a, bool aInPlace, nint lda, float* b, nint ldb, float* c, int ldc, bool loadC, float* rb, float* cb, Act act, float slope)
    {
        if (aInPlace) Kernel<RowsOfA>(rows, vectors, kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope);
        else Kernel<PackedA>(rows, vectors, kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope);
    }

    private static void Kernel<TA>(int rows, int vectors, int kc, float* a, nint lda, float* b, nint ldb, float* c, int ldc, bool loadC, float* rb, float* cb, Act act, float slope)
        where TA : struct, IAOperand
    {
        switch (vectors)
        {
            case 3: Kernel<R3, TA>(rows, kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
            case 2: Kernel<R2, TA>(rows, kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
            default: Kernel<R1, TA>(rows, kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
        }
    }

    private static void Kernel<TC, TA>(int rows, int kc, float* a, nint lda, float* b, nint ldb, float* c, int ldc, bool loadC, float* rb, float* cb, Act act, float slope)
        where TC : struct, IRowCount where TA : struct, IAOperand
    {
        if (Wide)
        {
            switch (rows)
            {
                case 8: KernelNN512<R8, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 7: KernelNN512<R7, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 6: KernelNN512<R6, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 5: KernelNN512<R5, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 4: KernelNN512<R4, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 3: KernelNN512<R3, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                case 2: KernelNN512<R2, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
                default: KernelNN512<R1, TC, TA>(kc, a, lda, b, ldb, c, ldc, loadC, rb, cb, act, slope); break;
            }
        }
        else if (TA.InPlace) throw new InvalidOperationException("Only the AVX-512 micro-kernel reads A in place (Gemm.ReadsAInPlace).");
        else if (Simd.Width == 256) KernelNarrow<Lanes256, Vector256<float>, TC>(rows, kc, a, b, c, ldc, loadC, rb, cb, act, slope);
        else KernelNarrow<Lanes128, Vector128<float>, TC>(rows, kc, a, b, c, ldc, loadC, rb, cb, act, slope);
    }

    private static void KernelNarrow<TW, TV, TC>(int rows, int kc, float* a, float* b, float* c, int ldc, bool loadC, float* rb, float* cb, Act act, float slope)
        where TW : struct, ILanes<TV> where TV : struct where TC : struct, IRowCount
    {
        switch (rows)
        {
            case 4: KernelNN<TW, TV, R4, TC>(kc, a, b, c, ldc, loadC, rb, cb, act, slope); break;
            case 3: KernelNN<TW, TV, R3, TC>(kc, a, b, c, ldc, loadC, rb, cb, act, slope); break;
            case 2: KernelNN<TW, TV, R2, TC>(kc, a, b, c, ldc, loadC, rb, cb, act, slope); break;
            default: KernelNN<TW, TV, R1, TC>(kc, a, b, c, ldc, loadC, rb, cb, act, slope); break;
        }
    }

    /// <summary>Epilogue of the packed kernels: row r of the raw tile t (rows 3 vectors apart, the first <paramref name="vectors"/> of them
    /// computed) → (+C) (+row bias) (+column bias), act, store to C.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FinishTile<TW, TV>(float* t, int rows, int vectors, float* c, int ldc, bool loadC, float* rb, float* cb, Act act, float slope)
        where TW : struct, ILanes<TV> where TV : struct
    {
        var epilogue = new Epilogue<TW, TV>(t, rows, vectors, c, ldc, loadC, rb, cb, slope);
        ActivationOp.Run(act, ref epilogue);
    }

    /// <summary><see cref="FinishTile{TW, TV, TA}"/> compiled once per activation.</summary>
    private struct Epilogue<TW, TV>(float* t, int rows, int vectors, float* c, int ldc, bool loadC, float* rb, float* cb, float slope) : ActivationOp.IActivationKernel
        where TW : struct, ILanes<TV> where TV : struct
    {
        public void Run<TA>() where TA : struct, ActivationOp.IActivation => FinishTile<TW, TV, TA>(t, rows, vectors, c, ldc, loadC, rb, cb, slope);
    }

    /// <summary><see cref="FinishTile{TW, TV}"/> with the activation TA's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FinishTile<TW, TV, TA>(float* t, int rows, int vectors, float* c, int ldc, bool loadC, float* rb, float* cb, float slope)
        where TW : struct, ILanes<TV> where TV : struct where TA : struct, ActivationOp.IActivation
    {
        Act act = TA.Value;
        int w = TW.Count;
        for (int r = 0; r < rows; r++, t += 3 * w)
        {
            float* cr = c + (nint)r * ldc;
            TV bias = rb != null ? TW.Broadcast(rb[r]) : default;
            for (int v = 0; v < vectors; v++)
            {
                TV x = TW.Load(t + v * w);
                if (loadC) x = TW.Add(x, TW.Load(cr + v * w));
                if (rb != null) x = TW.Add(x, bias);
                if (cb != null) x = TW.Add(x, TW.Load(cb + v * w));
                if (act != Act.None) x = ActivationOp.Apply<TW, TV>(act, x, slope);
                TW.Store(x, cr + v * w);
            }
        }
    }

    /// <summary>A compile-time row/column count for the micro-kernels (the JIT specialises each struct).</summary>
    internal interface IRowCount { static abstract int Count { get; } }
    internal struct R1 : IRowCount { public static int Count => 1; }
    internal struct R2 : IRowCount { public static int Count => 2; }
    internal struct R3 : IRowCount { public static int Count => 3; }
    internal struct R4 : IRowCount { public static int Count => 4; }
    internal struct R5 : IRowCount { public static int Count => 5; }
    internal struct R6 : IRowCount { public static int Count => 6; }
    internal struct R7 : IRowCount { public static int Count => 7; }
    internal struct R8 : IRowCount { public static int Count => 8; }

    /// <summary>How a micro-kernel reads A (a compile-time choice, specialised by the JIT like <see cref="IRowCount"/>).</summary>
    internal interface IAOperand { static abstract bool InPlace { get; } }
    /// <summary>A packed into micro-panels [kc][<see cref="MicroRows"/>].</summary>
    internal struct PackedA : IAOperand { public static bool InPlace => false; }
    /// <summary>A read along its own rows (k contiguous, rows a leading dimension apart), not packed.</summary>
    internal struct RowsOfA : IAOperand { public static bool InPlace => true; }
}
