using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

// Intra-op parallelism of the packed GEMM: one product split into blocks of C over the worker pool (batch-1 convolutions).
public static unsafe partial class Gemm
{
    /// <summary>Smallest product (m·n·k multiply-adds) split across threads: about 40 µs on one core, well above the cost of
    /// waking a worker and of each thread packing its own B panels.</summary>
    private const long ParallelMinMultiplyAdds = 1L << 22;

    /// <summary>Cost of packing one element of A or B, in multiply-adds of the product (a load and a store per element
    /// against one FMA lane per multiply-add; a rough figure that only has to rank the two ways of splitting).</summary>
    private const long PackCost = 2;

    /// <summary>
    /// C = op(A)·B as <see cref="MultiplyCore{TB}"/>, split into <paramref name="threads"/> blocks of C run on
    /// the threads lent to this one (<see cref="WorkerPool.RunIntraOp{TParts}"/>): by columns (each thread packs only its own B panels) or by rows (each thread packs
    /// the same B panels), whichever leaves the busiest thread less to do in whole micro-panels: a 7×7 map's 63 columns are
    /// one full panel and a short one, so 512 channels on it split by rows; 64 channels on a 56×56 map split by columns. Every element of C is
    /// summed in the same order as on one thread, so the result is bit-identical.
    /// </summary>
    private static void MultiplyParallel<TB>(int threads, int m, int n, int k, float* a, int lda, bool transA, TB b, float* c, int ldc,
        bool accumulate, float* rowBias, float* colBias, Act act, float slope, float* packedA) where TB : struct, IPanelSource
    {
        int columnPanels = (n + MicroColumns - 1) / MicroColumns, rowPanels = (m + MicroRows - 1) / MicroRows;
        // The busiest thread's time per k, in multiply-adds: its block of C, plus the panels it packs (B's columns, A's rows).
        long busiestColumns = Math.Min(n, (columnPanels + threads - 1) / threads * MicroColumns);
        long busiestRows = Math.Min(m, (rowPanels + threads - 1) / threads * MicroRows);
        long byColumns = busiestColumns * m + (busiestColumns + (packedA == null ? m : 0)) * PackCost;
        long byRows = busiestRows * n + (n + (packedA == null ? busiestRows : 0)) * PackCost;
        bool splitRows = byRows < byColumns;
        int parts = Math.Min(threads, splitRows ? rowPanels : columnPanels);
        if (parts < 2)
        {
            MultiplyBlock(m, n, k, 0, m, 0, n, a, lda, transA, ref b, c, ldc, accumulate, rowBias, colBias, act, slope, packedA);
            return;
        }
        WorkerPool.RunIntraOp(parts, new ProductBlocks<TB>(splitRows, m, n, k, a, lda, transA, b, c, ldc, accumulate, rowBias, colBias, act, slope, packedA));
    }

    /// <summary>One product split into blocks of C: part p computes the p-th run of whole micro-panels of rows (or columns).</summary>
    private readonly struct ProductBlocks<TB>(bool splitRows, int m, int n, int k, float* a, int lda, bool transA, TB b, float* c, int ldc,
        bool accumulate, float* rowBias, float* colBias, Act act, float slope, float* packedA) : IParts where TB : struct, IPanelSource
    {
        public void Run(int part, int parts)
        {
            var source = b;   // each thread packs from its own copy of the (stateless) source
            int panel = splitRows ? MicroRows : MicroColumns, length = splitRows ? m : n;
            int panels = (length + panel - 1) / panel;
            int begin = Math.Min(length, Shards.Start(panels, parts, part) * panel);
            int end = Math.Min(length, begin + Shards.Length(panels, parts, part) * panel);
            if (begin >= end) return;
            if (splitRows)
                MultiplyBlock(m, n, k, begin, end, 0, n, a, lda, transA, ref source, c, ldc, accumulate, rowBias, colBias, act, slope, packedA);
            else
                MultiplyBlock(m, n, k, 0, m, begin, end, a, lda, transA, ref source, c, ldc, accumulate, rowBias, colBias, act, slope, packedA);
        }
    }
}
