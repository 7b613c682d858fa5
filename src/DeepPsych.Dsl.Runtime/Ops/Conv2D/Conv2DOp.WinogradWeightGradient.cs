using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

// The weight gradient by Winograd F(2×2, 3×3): the adjoint of the forward in Conv2DOp.Winograd.cs.
public static unsafe partial class Conv2DOp
{
    /// <summary>Fewest input and output channels per group for which a layer the direct dW also takes gets its dW by Winograd.
    /// Measured 2026-12-03 (forward + backward, one layer, 2 threads, medians of 2–3 s runs, direct dW against Winograd dW):
    /// AVX-512 `conv3x3_64` 57–59 against 51 ms, `r20_3x3_64` 7.2–7.7 against 6.8–7.1 ms, `r20_3x3_32` 5.2–5.5 against 5.2–5.8 ms,
    /// `r20_3x3_16` 7.2–7.4 against 7.3–7.9 ms; AVX2 `conv3x3_64` 59–61 against 53–54 ms, `r20_3x3_64` 7.4–7.7 against 6.7–6.8 ms.</summary>
    private const int WinogradWeightGradientMinChannels = 64;

    /// <summary>dW by <see cref="WinogradWeightGradient"/>: the layer qualifies for Winograd (<see cref="UseWinograd"/>), and either
    /// the direct dW does not take it (<see cref="UseDirectWeightGradient"/>: more than 1024 taps) or it has at least
    /// <see cref="WinogradWeightGradientMinChannels"/> input and output channels per group.</summary>
    private static bool UseWinogradWeightGradient(in Conv2DGeometry g, int batch)
        => UseWinograd(g, batch)
           && (!UseDirectWeightGradient(g) || Math.Min(g.InChannels, g.OutChannels) / g.Groups >= WinogradWeightGradientMinChannels);

    /// <summary>
    /// dw += ∂L/∂w for one group of <paramref name="batch"/> samples by Winograd F(2×2, 3×3), the adjoint of
    /// <see cref="WinogradConvolution"/>: with Y = Aᵀ·[U ⊙ V]·A per tile, ∂L/∂M = A·dY·Aᵀ per tile and output channel,
    /// ∂L/∂U_e = Σ_tiles ∂L/∂M_e · V_eᵀ (16 GEMMs whose depth is the number of tiles), and ∂L/∂w = Gᵀ·∂L/∂U·G per channel pair.
    /// Tiles are taken in blocks of whole tile rows; the 16 products of a block are split across lent threads (each sums its
    /// own U_e over the blocks in order, so the result does not depend on the threads).
    /// </summary>
    /// <param name="g">Geometry of one group.</param>
    /// <param name="batch">Samples.</param>
    /// <param name="x">Group 0 of sample 0's forward input; sample n at x + n·<paramref name="xStride"/>.</param>
    /// <param name="xStride">Floats between samples of x.</param>
    /// <param name="dz">The group's gradient w.r.t. the pre-activation output of sample 0; sample n at dz + n·<paramref name="dzStride"/>.</param>
    /// <param name="dzStride">Floats between samples of dz.</param>
    /// <param name="dw">The group's weight gradient (Og × Cg × 3 × 3), accumulated.</param>
    private static void WinogradWeightGradient(in Conv2DGeometry g, int batch, float* x, long xStride, float* dz, long dzStride, float* dw)
    {
        int cg = g.InChannels / g.Groups, og = g.OutChannels / g.Groups;
        long plain = WinogradMatrixStride(og, cg);
        float* du = Scratch.Get(Scratch.WinogradWeights, 16 * plain);
        var input = new WinogradInputTiles(g, x, xStride);
        int tw = input.TilesW, stride = input.RowStride, tileRows = batch * input.TilesH, rowsPerBlock = WinogradRowsPerBlock(16, cg + og, tw, tileRows);
        int threads = WorkerPool.IntraOpThreads;
        for (int r0 = 0; r0 < tileRows; r0 += rowsPerBlock)
        {
            int rows = Math.Min(rowsPerBlock, tileRows - r0), n = rows * stride, ld = WinogradTileStride(n);
            long vStride = WinogradMatrixStride(cg, ld), mStride = WinogradMatrixStride(og, ld);
            float* v = Scratch.Get(Scratch.WinogradInput, 16 * vStride);
            float* dm = Scratch.Get(Scratch.WinogradProducts, 16 * mStride);
            input.Transform(r0, rows, v, ld, vStride);
            OutputGradientTiles(g, input.TilesH, tw, stride, dz, dzStride, r0, rows, dm, ld, mStride);
            var products = new WinogradGradientProducts(og, cg, n, v, vStride, dm, mStride, ld, du, plain, accumulate: r0 > 0);
            if (threads > 1) WorkerPool.RunIntraOp(Math.Min(threads, 16), products);
            else products.Run(0, 1);
        }
        // dw[o, c] += Gᵀ·dU[o, c]·G, with Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
        float* t = stackalloc float[12];
        for (int o = 0; o < og; o++)
            for (int c = 0; c < cg; c++)
            {
                float* u = du + (long)o * cg + c;
                for (int j = 0; j < 4; j++)
                {
                    float u0 = u[j * plain], u1 = u[(4 + j) * plain], u2 = u[(8 + j) * plain], u3 = u[(12 + j) * plain];
                    t[j] = u0 + 0.5f * (u1 + u2);
                    t[4 + j] = 0.5f * (u1 - u2);
                    t[8 + j] = 0.5f * (u1 + u2) + u3;
                }
                float* k = dw + ((long)o * cg + c) * 9;
                for (int i = 0; i < 3; i++)
                {
                    float t0 = t[4 * i], t1 = t[4 * i + 1], t2 = t[4 * i + 2], t3 = t[4 * i + 3];
                    k[3 * i] += t0 + 0.5f * (t1 + t2);
                    k[3 * i + 1] += 0.5f * (t1 - t2);
                    k[3 * i + 2] += 0.5f * (t1 + t2) + t3;
                }
            }
    }

    /// <summary>∂L/∂U_e (+)= ∂L/∂M_e (Og × n) · V_eᵀ (n × Cg) for the e of this part.</summary>
    private readonly struct WinogradGradientProducts(int og, int cg, int n, float* v, long vStride, float* dm, long mStride, int ld, float* du, long plain, bool accumulate) : IParts
    {
        public void Run(int part, int parts)
        {
            int first = Shards.Start(16, parts, part), end = first + Shards.Length(16, parts, part);
            for (int e = first; e < end; e++)
            {
                var vt = new Gemm.TransposedMatrixPanels(v + e * vStride, ld);
                Gemm.MultiplyCore(og, cg, n, dm + e * mStride, ld, false, ref vt, du + e * plain, cg, accumulate, null, null, Act.None, 0f);
            }
        }
    }

    /// <summary>
    /// ∂L/∂M_e[o, t] = (A·dY·Aᵀ)[i, j] (e = 4i + j, A = [1 0; 1 1; 1 −1; 0 −1]) for the 2×2 output tiles dY of tile rows
    /// [r0, r0 + rows) (tile row r at r·<paramref name="stride"/>), each row of dm <paramref name="ld"/> floats, ∂L/∂M_e at dm + e·<paramref name="eStride"/>; outputs beyond an odd map's
    /// edge are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    private static void OutputGradientTiles(in Conv2DGeometry g, int tilesH, int tilesW, int stride, float* dz, long dzStride, int r0, int rows, float* dm, int ld, long eStride)
    {
        int og = g.OutChannels / g.Groups, OH = g.OutHeight, OW = g.OutWidth, run = WinogradRun(tilesW), rowFloats = WinogradRowFloats(tilesW);
        float* even0 = Scratch.Get(Scratch.WinogradRuns, 4L * run + rowFloats), odd0 = even0 + run, even1 = odd0 + run, odd1 = even1 + run;
        float* line = odd1 + run;
        new Span<float>(line + OW, rowFloats - OW).Clear();   // columns past the map: the copies below write only [0, OW)
        int s0 = r0 / tilesH, th0 = r0 - s0 * tilesH;
        for (int o = 0; o < og; o++)
            for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, tilesH))
            {
                int oh = 2 * th;
                float* plane = dz + s * dzStride + (long)o * OH * OW;
                if (o + 1 < og) PrefetchRows(plane + ((long)OH + oh) * OW, Math.Min(2, OH - oh), OW);   // the next channel's, one ahead
                Gemm.Copy(plane + (long)oh * OW, line, OW);
                Deinterleave(line, tilesW, even0, odd0);
                if (oh + 1 < OH)
                {
                    Gemm.Copy(plane + (long)(oh + 1) * OW, line, OW);
                    Deinterleave(line, tilesW, even1, odd1);
                }
                else
                {
                    new Span<float>(even1, run).Clear();
                    new Span<float>(odd1, run).Clear();
                }
                // Row by row in order: a row's last vector runs past its tiles (into the next row, written afterwards); on a narrow
                // map the extra tile (stride = tilesW + 1) gets 0, from the zeros right of the map.
                float* dst = dm + (long)o * ld + r * stride;
                switch (Simd.Width)
                {
                    case 512: OutputGradientTransform<Lanes512, Vector512<float>>(even0, odd0, even1, odd1, tilesW, dst, eStride); break;
                    case 256: OutputGradientTransform<Lanes256, Vector256<float>>(even0, odd0, even1, odd1, tilesW, dst, eStride); break;
                    default: OutputGradientTransform<Lanes128, Vector128<float>>(even0, odd0, even1, odd1, tilesW, dst, eStride); break;
                }
            }
    }

    /// <summary>A·dY·Aᵀ for n tiles of one tile row: dY = [even0 odd0; even1 odd1] at each t; dst + e·eStride + t.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void OutputGradientTransform<TW, TV>(float* even0, float* odd0, float* even1, float* odd1, int n, float* dst, long eStride)
        where TW : struct, ILanes<TV> where TV : struct
    {
        for (int t = 0; t < n; t += TW.Count)
        {
            TV a0 = TW.Load(even0 + t), b0 = TW.Load(odd0 + t), a1 = TW.Load(even1 + t), b1 = TW.Load(odd1 + t);
            // A·dY (rows): (a0, b0), (a0 + a1, b0 + b1), (a0 − a1, b0 − b1), (−a1, −b1); then ·Aᵀ along each: (a, a + b, a − b, −b).
            float* p = dst + t;
            GradientRow<TW, TV>(a0, b0, p, eStride);
            GradientRow<TW, TV>(TW.Add(a0, a1), TW.Add(b0, b1), p + 4 * eStride, eStride);
            GradientRow<TW, TV>(TW.Subtract(a0, a1), TW.Subtract(b0, b1), p + 8 * eStride, eStride);
            GradientRow<TW, TV>(TW.Subtract(TW.Zero, a1), TW.Subtract(TW.Zero, b1), p + 12 * eStride, eStride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientRow<TW, TV>(TV a, TV b, float* p, long eStride) where TW : struct, ILanes<TV> where TV : struct
    {
        TW.Store(a, p);
        TW.Store(TW.Add(a, b), p + eStride);
        TW.Store(TW.Subtract(a, b), p + 2 * eStride);
        TW.Store(TW.Subtract(TW.Zero, b), p + 3 * eStride);
    }
}
