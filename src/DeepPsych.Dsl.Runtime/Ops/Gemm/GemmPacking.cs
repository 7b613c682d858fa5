using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

// Packing for the packed GEMM (Gemm.MultiplyCore): B panels from their sources, A micro-panels per k block or whole.
public static unsafe partial class Gemm
{
    /// <summary>Writes B[k0 .. k0+kc, j0 .. j0+nc) as ⌈nc/nr⌉ panels, panel p at dst + p·kc·nr laid out [kc][nr], zero-padded past nc
    /// to a whole vector (<see cref="ZeroPanelTail"/>).</summary>
    internal interface IPanelSource
    {
        void Pack(int k0, int kc, int j0, int nc, float* dst, int nr);

        /// <summary>B itself, when the AVX-512 kernel may read it where it lies instead of packing it (row-major,
        /// <paramref name="ldb"/> floats a row); otherwise null.</summary>
        float* InPlace(out int ldb);
    }

    /// <summary>B is an ordinary row-major matrix. With <paramref name="readInPlace"/> (the caller guarantees every row is readable
    /// up to a whole vector past the product's last column) the AVX-512 kernel reads it in place instead of packing it: a
    /// Winograd block's V_e, 64 rows a product, is read once per row of A's micro-panels from L1 either way, and packing it
    /// was one more write and read of every element.</summary>
    internal readonly struct MatrixPanels(float* b, int ldb, bool readInPlace = false) : IPanelSource
    {
        public float* InPlace(out int stride) { stride = ldb; return readInPlace ? b : null; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Pack(int k0, int kc, int j0, int nc, float* dst, int nr)
        {
            for (int p = 0; p * nr < nc; p++)
            {
                int cols = Math.Min(nr, nc - p * nr);
                float* d = dst + (nint)p * kc * nr;
                float* s = b + (nint)k0 * ldb + j0 + p * nr;
                for (int kk = 0; kk < kc; kk++, d += nr, s += ldb)
                {
                    Copy(s, d, cols);
                    if (cols < nr) ZeroPanelTail(d, cols);
                }
            }
        }
    }

    /// <summary>B is stored transposed: B[p, j] = b[j·ldb + p] (an n × k row-major matrix, e.g. W in x·Wᵀ or col in dz·colᵀ).</summary>
    internal readonly struct TransposedMatrixPanels(float* b, int ldb) : IPanelSource
    {
        public float* InPlace(out int stride) { stride = 0; return null; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Pack(int k0, int kc, int j0, int nc, float* dst, int nr)
        {
            for (int p = 0; p * nr < nc; p++)
            {
                int cols = Math.Min(nr, nc - p * nr);
                float* d = dst + (nint)p * kc * nr;
                // Eight source rows at a time through the AVX 8 × 8 transpose (whole groups of 8 in k); the rest of each
                // source row, and the rows past the last group of 8, read contiguously and written down a panel column.
                int kv = Avx.IsSupported ? kc / 8 * 8 : 0, grouped = kv > 0 ? cols / 8 * 8 : 0;
                for (int jj = 0; jj < grouped; jj += 8)
                {
                    float* s = b + (nint)(j0 + p * nr + jj) * ldb + k0;
                    Transpose8Rows(s, ldb, kv, d + jj, nr);
                    for (int r = 0; r < 8; r++)
                        for (int kk = kv; kk < kc; kk++) d[(nint)kk * nr + jj + r] = s[(nint)r * ldb + kk];
                }
                for (int jj = grouped; jj < cols; jj++)
                {
                    float* s = b + (nint)(j0 + p * nr + jj) * ldb + k0;
                    float* dc = d + jj;
                    for (int kk = 0; kk < kc; kk++) dc[(nint)kk * nr] = s[kk];
                }
                if (cols < nr)
                    for (int kk = 0; kk < kc; kk++) ZeroPanelTail(d + (nint)kk * nr, cols);
            }
        }
    }

    /// <summary>Zeros one row of a packed B panel from <paramref name="cols"/> to the next whole vector: the kernel runs an edge panel
    /// on as few vectors as cover its columns (<see cref="MultiplyBlock{TB}"/>) and reads no further, so the rest of the panel's
    /// width is never read (clearing all of it, a call per row, took 1.4 % of a 3×3 64 → 64 layer's forward + backward).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ZeroPanelTail(float* row, int cols)
    {
        for (int t = cols, end = (cols + Lanes - 1) / Lanes * Lanes; t < end; t++) row[t] = 0f;
    }

    /// <summary>Packs rows [i0, i0 + m) of op(A), columns [k0, k0 + kc) into micro-panels [kc][mr] (row tails zero-padded).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void PackA(float* a, int lda, bool transA, int m, int k0, int kc, float* dst, int mr)
    {
        for (int i0 = 0; i0 < m; i0 += mr, dst += (nint)kc * mr)
        {
            int rows = Math.Min(mr, m - i0);
            if (transA)
            {
                // A[i, p] = a[p·lda + i]: the mr values for one p are contiguous.
                float* s = a + (nint)k0 * lda + i0;
                for (int kk = 0; kk < kc; kk++, s += lda)
                {
                    float* d = dst + kk * mr;
                    if (rows == mr) Copy(s, d, mr);
                    else { for (int r = 0; r < rows; r++) d[r] = s[r]; for (int r = rows; r < mr; r++) d[r] = 0f; }
                }
            }
            else
            {
                // A[i, p] = a[i·lda + p]: a transpose. Whole 8-row panels go 8 × 8 at a time through AVX shuffles, the rest by element.
                int kv = rows == 8 && mr == 8 && Avx.IsSupported ? kc / 8 * 8 : 0;
                if (kv > 0) Transpose8Rows(a + (nint)i0 * lda + k0, lda, kv, dst, 8);
                for (int r = 0; r < mr; r++)
                {
                    float* d = dst + r;
                    if (r >= rows) { for (int kk = 0; kk < kc; kk++) d[kk * mr] = 0f; continue; }
                    float* s = a + (nint)(i0 + r) * lda + k0;
                    for (int kk = kv; kk < kc; kk++) d[kk * mr] = s[kk];
                }
            }
        }
    }

    /// <summary>d[p·<paramref name="ldd"/> + r] = s[r·lda + p] for r &lt; 8, p &lt; <paramref name="kc"/> (a multiple of 8): 8 × 8
    /// blocks transposed in registers (A's micro-panels: ldd = 8; B's panels from a transposed matrix: ldd = the panel width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8Rows(float* s, int lda, int kc, float* d, int ldd)
    {
        float* s0 = s, s1 = s + lda, s2 = s + 2 * (nint)lda, s3 = s + 3 * (nint)lda, s4 = s + 4 * (nint)lda, s5 = s + 5 * (nint)lda, s6 = s + 6 * (nint)lda, s7 = s + 7 * (nint)lda;
        nint l = ldd;
        for (int p = 0; p < kc; p += 8, d += 8 * l)
        {
            Vector256<float> r0 = Avx.LoadVector256(s0 + p), r1 = Avx.LoadVector256(s1 + p), r2 = Avx.LoadVector256(s2 + p), r3 = Avx.LoadVector256(s3 + p);
            Vector256<float> r4 = Avx.LoadVector256(s4 + p), r5 = Avx.LoadVector256(s5 + p), r6 = Avx.LoadVector256(s6 + p), r7 = Avx.LoadVector256(s7 + p);
            RegisterTranspose.Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            Avx.Store(d, r0); Avx.Store(d + l, r1); Avx.Store(d + 2 * l, r2); Avx.Store(d + 3 * l, r3);
            Avx.Store(d + 4 * l, r4); Avx.Store(d + 5 * l, r5); Avx.Store(d + 6 * l, r6); Avx.Store(d + 7 * l, r7);
        }
    }

    /// <summary>The k block of the packed product: ⌈k / <see cref="MaxKBlock"/>⌉ balanced blocks of at most this many.</summary>
    private static int KBlock(int k)
    {
        int kBlocks = Math.Max(1, (k + MaxKBlock - 1) / MaxKBlock);
        return (k + kBlocks - 1) / kBlocks;
    }

    /// <summary>Floats of op(A) (m × k) packed whole by <see cref="PackWhole"/>: m rounded up to whole micro-panels, times k.</summary>
    internal static long PackedLength(int m, int k) => (long)((m + MicroRows - 1) / MicroRows * MicroRows) * k;

    /// <summary>
    /// Packs op(A) (m × k, as for <see cref="Multiply"/>) whole, every k block in the layout <see cref="MultiplyCore{TB}"/> packs it
    /// (the block starting at k0 at dst + mPad·k0), so a product with one A and many B — a convolution's weights, sample after
    /// sample — packs A once: pass dst as MultiplyCore's packedA.
    /// </summary>
    /// <remarks>With spare threads (<see cref="Execution.WorkerPool.IntraOpThreads"/>, a batch-1 convolution) a large A is packed
    /// by several threads, each a run of whole micro-panels of rows.</remarks>
    internal static void PackWhole(int m, int k, float* a, int lda, bool transA, float* dst)
    {
        int threads = Execution.WorkerPool.IntraOpThreads, rowPanels = (m + MicroRows - 1) / MicroRows;
        var rows = new WholePacking(m, k, a, lda, transA, dst);
        if (threads > 1 && (long)m * k >= ParallelMinPackedElements && rowPanels > 1)
            Execution.WorkerPool.RunIntraOp(Math.Min(threads, rowPanels), rows);
        else rows.Run(0, 1);
    }

    /// <summary>Smallest A (m·k elements) packed by several threads: 256 Ki floats, about 0.1 ms on one core.</summary>
    private const long ParallelMinPackedElements = 1L << 18;

    /// <summary>op(A) packed whole (<see cref="PackWhole"/>), split into runs of whole micro-panels of rows, one per part.</summary>
    private readonly struct WholePacking(int m, int k, float* a, int lda, bool transA, float* dst) : Execution.IParts
    {
        public void Run(int part, int parts)
        {
            int mr = MicroRows, mPad = (m + mr - 1) / mr * mr, kcMax = KBlock(k), panels = mPad / mr;
            int i0 = Math.Min(m, Execution.Shards.Start(panels, parts, part) * mr);
            int rows = Math.Min(m - i0, Execution.Shards.Length(panels, parts, part) * mr);
            if (rows <= 0) return;
            float* aRows = transA ? a + i0 : a + (nint)i0 * lda;
            for (int k0 = 0; k0 < k; k0 += kcMax)
            {
                int kc = Math.Min(kcMax, k - k0);
                PackA(aRows, lda, transA, rows, k0, kc, dst + (nint)mPad * k0 + (nint)i0 * kc, mr);
            }
        }
    }
}
