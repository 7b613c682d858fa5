using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions with many channels (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016): 16 multiplies per 2×2 output tile and channel pair instead of 36.
public static unsafe partial class Conv2DOp
{
    /// <summary>Fewest input and output channels per group for <see cref="UseWinograd"/>: below this the transforms cost more
    /// than the 2.25× fewer multiplies save (the products are k = Cg long).</summary>
    private const int WinogradMinChannels = 16;

    /// <summary>Fewest 2×2 output tiles in one call (all samples) for <see cref="UseWinograd"/>: the weights are transformed on
    /// every call (16·O·C floats), which a batch-1 convolution on a small map does not earn back.</summary>
    private const int WinogradMinTiles = 196;

    /// <summary>Target size of one block's transformed input (16 × Cg × tiles floats), sized for L2 with the block's products.</summary>
    private const int WinogradBlockBytes = 512 * 1024;

    /// <summary>
    /// Winograd F(2×2, 3×3) instead of the GEMM: a 3×3 kernel, stride 1, no dilation, at least <see cref="WinogradMinChannels"/>
    /// input and output channels per group, and at least <see cref="WinogradMinTiles"/> output tiles over the <paramref name="batch"/>
    /// samples. Any padding (the transform reads zeros outside the input).
    /// </summary>
    private static bool UseWinograd(in Conv2DGeometry g, int batch)
        => g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
           && g.InChannels / g.Groups >= WinogradMinChannels && g.OutChannels / g.Groups >= WinogradMinChannels
           && (long)batch * ((g.OutHeight + 1) / 2) * ((g.OutWidth + 1) / 2) >= WinogradMinTiles;

    /// <summary>The 3×3 kernel transform U = G·w·Gᵀ (G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]) of every group's weights, as 16
    /// matrices U_e (Og × Cg, e = 4i + j) each packed for the GEMM's A; group grp's 16 at the result + grp·16·<paramref name="stride"/>.
    /// <paramref name="w"/> is O × C/G × 3 × 3 (OIHW).</summary>
    private static float* WinogradWeights(in Conv2DGeometry g, float* w, out long stride)
    {
        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G;
        // The 16 matrices are written side by side, so they start 64 floats apart from a multiple of 4 KiB: 16 streams exactly
        // a power of two apart would all fall into the same L1 sets (a 512 × 512 layer's transform ran 5x slower that way).
        long plain = (long)Og * Cg + 64;
        stride = Gemm.PackedLength(Og, Cg);
        float* u = Scratch.Get(Scratch.WinogradWeights, 16 * plain);
        float* packed = Scratch.Get(Scratch.PackedWeights, 16 * stride * G);
        for (int grp = 0; grp < G; grp++)
        {
            var rows = new KernelTransform(w + (long)grp * Og * Cg * 9, Og, Cg, u, plain);
            if (WorkerPool.IntraOpThreads > 1 && Og >= 16) WorkerPool.RunIntraOp(WorkerPool.IntraOpThreads, rows);
            else rows.Run(0, 1);
            for (int e = 0; e < 16; e++)
                Gemm.PackWhole(Og, Cg, u + e * plain, Cg, false, packed + (grp * 16L + e) * stride);
        }
        return packed;
    }

    /// <summary>U_e[o, c] = (G·w[o, c]·Gᵀ)[i, j], e = 4i + j, for one group's output channels, split into runs of o
    /// (a batch-1 convolution transforms 512 × 512 kernels on every call, so it takes the threads lent to it).</summary>
    private readonly struct KernelTransform(float* w, int og, int cg, float* u, long plain) : IParts
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Run(int part, int parts)
        {
            float* t = stackalloc float[12];
            int first = Shards.Start(og, parts, part), end = first + Shards.Length(og, parts, part);
            for (int o = first; o < end; o++)
                for (int c = 0; c < cg; c++)
                {
                    float* k = w + ((long)o * cg + c) * 9;
                    // t = G·k (4 × 3), then U = t·Gᵀ (4 × 4).
                    for (int j = 0; j < 3; j++)
                    {
                        float k0 = k[j], k1 = k[3 + j], k2 = k[6 + j];
                        t[j] = k0;
                        t[3 + j] = 0.5f * (k0 + k1 + k2);
                        t[6 + j] = 0.5f * (k0 - k1 + k2);
                        t[9 + j] = k2;
                    }
                    float* ue = u + (long)o * cg + c;
                    for (int i = 0; i < 4; i++)
                    {
                        float a0 = t[3 * i], a1 = t[3 * i + 1], a2 = t[3 * i + 2];
                        ue[(4 * i + 0) * plain] = a0;
                        ue[(4 * i + 1) * plain] = 0.5f * (a0 + a1 + a2);
                        ue[(4 * i + 2) * plain] = 0.5f * (a0 - a1 + a2);
                        ue[(4 * i + 3) * plain] = a2;
                    }
                }
        }
    }

    /// <summary>
    /// y (+)= act(conv3×3(x) + b) for one group of <paramref name="batch"/> samples by Winograd F(2×2, 3×3): the output is cut
    /// into 2×2 tiles, each read from a 4×4 window d of the zero-padded input. Per channel pair the tile is
    /// Aᵀ·[U ⊙ (Bᵀ·d·B)]·A, and summed over input channels the element-wise product becomes 16 GEMMs
    /// M_e (Og × tiles) = U_e (Og × Cg) · V_e (Cg × tiles), e = 4i + j. Tiles are taken in blocks of whole tile rows (across
    /// samples), transformed into V, multiplied, and transformed back while they are hot in cache; with threads lent
    /// (<see cref="WorkerPool.IntraOpThreads"/>) the blocks are split across them. Every output is summed in the same order
    /// whichever thread computes it.
    /// </summary>
    /// <param name="g">Geometry of one group (its channel counts are read per group).</param>
    /// <param name="batch">Samples.</param>
    /// <param name="x">Group 0 of sample 0's input; sample n at x + n·<paramref name="xStride"/>.</param>
    /// <param name="xStride">Floats between samples of x.</param>
    /// <param name="packedU">This group's 16 packed U_e (<see cref="WinogradWeights"/>), U_e at packedU + e·<paramref name="uStride"/>.</param>
    /// <param name="uStride">Floats per packed U_e.</param>
    /// <param name="b">Bias (Og floats) or null.</param>
    /// <param name="y">Output of sample 0 (Og × OH × OW); sample n at y + n·<paramref name="yStride"/>.</param>
    /// <param name="yStride">Floats between samples of y.</param>
    /// <param name="act">Activation (not with <paramref name="accumulate"/>).</param>
    /// <param name="slope">α for <see cref="Act.LeakyReLU"/>.</param>
    /// <param name="accumulate">Add into y (the input gradient) instead of overwriting it.</param>
    private static void WinogradConvolution(in Conv2DGeometry g, int batch, float* x, long xStride, float* packedU, long uStride,
        float* b, float* y, long yStride, Act act, float slope, bool accumulate)
    {
        var tiles = new WinogradTiles(g, batch, x, xStride, packedU, uStride, b, y, yStride, act, slope, accumulate);
        int blocks = tiles.Blocks, threads = WorkerPool.IntraOpThreads;
        if (threads > 1 && blocks > 1) WorkerPool.RunIntraOp(Math.Min(threads, blocks), tiles);
        else tiles.Run(0, 1);
    }

    /// <summary>The tile blocks of one <see cref="WinogradConvolution"/>: part p of P runs the p-th run of blocks.</summary>
    private readonly struct WinogradTiles : IParts
    {
        private readonly Conv2DGeometry _g;
        private readonly WinogradInputTiles _input;
        private readonly int _rowsPerBlock, _tileRows, _tilesH, _tilesW;
        private readonly float* _u, _b, _y;
        private readonly long _uStride, _yStride;
        private readonly Act _act;
        private readonly float _slope;
        private readonly bool _accumulate;

        public WinogradTiles(in Conv2DGeometry g, int batch, float* x, long xStride, float* u, long uStride, float* b, float* y, long yStride,
            Act act, float slope, bool accumulate)
        {
            _g = g; _act = act; _slope = slope; _accumulate = accumulate;
            _input = new WinogradInputTiles(g, x, xStride);
            _u = u; _uStride = uStride; _b = b; _y = y; _yStride = yStride;
            _tilesH = _input.TilesH;
            _tilesW = _input.TilesW;
            _tileRows = batch * _tilesH;
            _rowsPerBlock = WinogradRowsPerBlock(g.InChannels / g.Groups, _tilesW, _tileRows);
        }

        public int Blocks => (_tileRows + _rowsPerBlock - 1) / _rowsPerBlock;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Run(int part, int parts)
        {
            int blocks = Blocks, first = Shards.Start(blocks, parts, part), count = Shards.Length(blocks, parts, part);
            for (int blk = first; blk < first + count; blk++)
            {
                int r0 = blk * _rowsPerBlock;
                Block(r0, Math.Min(_tileRows, r0 + _rowsPerBlock) - r0);
            }
        }

        /// <summary>
        /// Tile rows [r0, r0 + rows) (row r: sample r / tilesH, tile row r mod tilesH), tile t = (r − r0)·stride + tw of the block
        /// (<see cref="WinogradInputTiles.RowStride"/>): the input windows transformed into V, the 16 products M_e = U_e·V_e, and M
        /// transformed back into y, row by row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void Block(int r0, int rows)
        {
            int cg = _g.InChannels / _g.Groups, og = _g.OutChannels / _g.Groups, tw = _tilesW, stride = _input.RowStride;
            int n = rows * stride, lanes = Simd.Width / 32, ld = WinogradTileStride(n);
            float* v = Scratch.Get(Scratch.WinogradInput, 16L * cg * ld);
            float* m = Scratch.Get(Scratch.WinogradProducts, 16L * og * ld);
            _input.Transform(r0, rows, v, ld);
            for (int e = 0; e < 16; e++)
            {
                var src = new Gemm.MatrixPanels(v + e * (long)cg * ld, ld);
                Gemm.MultiplyCore(og, n, cg, null, cg, false, ref src, m + e * (long)og * ld, ld, false, null, null, Act.None, 0f, _u + e * _uStride);
            }
            float* tile = stackalloc float[4 * 16];
            int OH = _g.OutHeight, OW = _g.OutWidth, rowFloats = WinogradRowFloats(tw);
            bool narrow = stride != tw;
            // The input side is done with this scratch: two output rows, and for narrow maps the block's Y[a, b] (4 × ld).
            float* line = Scratch.Get(Scratch.WinogradRuns, 2L * rowFloats + (narrow ? 4L * ld : 0)), line2 = line + rowFloats;
            float* yTiles = line2 + rowFloats;
            for (int o = 0; o < og; o++)
            {
                float bias = _b == null ? 0f : _b[o];
                // Narrow maps: every tile of the block in whole vectors first (across tile rows), then row by row below.
                if (narrow)
                    for (int t = 0; t < n; t += lanes)
                        switch (Simd.Width)
                        {
                            case 512: OutputTransform<Lanes512, Vector512<float>>(m + (long)o * ld + t, (long)og * ld, bias, yTiles + t, ld); break;
                            case 256: OutputTransform<Lanes256, Vector256<float>>(m + (long)o * ld + t, (long)og * ld, bias, yTiles + t, ld); break;
                            default: OutputTransform<Lanes128, Vector128<float>>(m + (long)o * ld + t, (long)og * ld, bias, yTiles + t, ld); break;
                        }
                for (int r = 0; r < rows; r++)
                {
                    // Both output rows of the tile row, interleaved into line / line2, then copied (or added) into y.
                    for (int t = 0; t < tw; t += lanes)
                    {
                        float* y4 = yTiles + r * stride + t;
                        if (!narrow)
                        {
                            float* mr = m + (long)o * ld + r * stride + t;
                            switch (Simd.Width)
                            {
                                case 512: OutputTransform<Lanes512, Vector512<float>>(mr, (long)og * ld, bias, tile, lanes); break;
                                case 256: OutputTransform<Lanes256, Vector256<float>>(mr, (long)og * ld, bias, tile, lanes); break;
                                default: OutputTransform<Lanes128, Vector128<float>>(mr, (long)og * ld, bias, tile, lanes); break;
                            }
                            Interleave(tile, tile + lanes, line + 2 * t);
                            Interleave(tile + 2 * lanes, tile + 3 * lanes, line2 + 2 * t);
                        }
                        else
                        {
                            Interleave(y4, y4 + ld, line + 2 * t);
                            Interleave(y4 + 2L * ld, y4 + 3L * ld, line2 + 2 * t);
                        }
                    }
                    int q = r0 + r, s = q / _tilesH, oh = 2 * (q - s * _tilesH), h = Math.Min(2, OH - oh);
                    float* dst = _y + s * _yStride + ((long)o * OH + oh) * OW;
                    if (_accumulate)
                    {
                        Gemm.AddTo(line, dst, OW);
                        if (h == 2) Gemm.AddTo(line2, dst + OW, OW);
                    }
                    else
                    {
                        Gemm.Copy(line, dst, OW);
                        if (h == 2) Gemm.Copy(line2, dst + OW, OW);
                        if (_act != Act.None)
                        {
                            var span = new Span<float>(dst, h * OW);
                            ActivationOp.Forward(_act, _slope, span, span);
                        }
                    }
                }
            }
        }

    }

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
        long plain = (long)og * cg + 64;   // 64 floats apart, as in WinogradWeights
        float* du = Scratch.Get(Scratch.WinogradWeights, 16 * plain);
        var input = new WinogradInputTiles(g, x, xStride);
        int tw = input.TilesW, stride = input.RowStride, tileRows = batch * input.TilesH, rowsPerBlock = WinogradRowsPerBlock(cg + og, tw, tileRows);
        int threads = WorkerPool.IntraOpThreads;
        for (int r0 = 0; r0 < tileRows; r0 += rowsPerBlock)
        {
            int rows = Math.Min(rowsPerBlock, tileRows - r0), n = rows * stride, ld = WinogradTileStride(n);
            float* v = Scratch.Get(Scratch.WinogradInput, 16L * cg * ld);
            float* dm = Scratch.Get(Scratch.WinogradProducts, 16L * og * ld);
            input.Transform(r0, rows, v, ld);
            OutputGradientTiles(g, input.TilesH, tw, stride, dz, dzStride, r0, rows, dm, ld);
            var products = new WinogradGradientProducts(og, cg, n, v, dm, ld, du, plain, accumulate: r0 > 0);
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
    private readonly struct WinogradGradientProducts(int og, int cg, int n, float* v, float* dm, int ld, float* du, long plain, bool accumulate) : IParts
    {
        public void Run(int part, int parts)
        {
            int first = Shards.Start(16, parts, part), end = first + Shards.Length(16, parts, part);
            for (int e = first; e < end; e++)
            {
                var vt = new Gemm.TransposedMatrixPanels(v + e * (long)cg * ld, ld);
                Gemm.MultiplyCore(og, cg, n, dm + e * (long)og * ld, ld, false, ref vt, du + e * plain, cg, accumulate, null, null, Act.None, 0f);
            }
        }
    }

    /// <summary>
    /// ∂L/∂M_e[o, t] = (A·dY·Aᵀ)[i, j] (e = 4i + j, A = [1 0; 1 1; 1 −1; 0 −1]) for the 2×2 output tiles dY of tile rows
    /// [r0, r0 + rows) (tile row r at r·<paramref name="stride"/>), each row of dm <paramref name="ld"/> floats; outputs beyond an odd map's
    /// edge are zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    private static void OutputGradientTiles(in Conv2DGeometry g, int tilesH, int tilesW, int stride, float* dz, long dzStride, int r0, int rows, float* dm, int ld)
    {
        int og = g.OutChannels / g.Groups, OH = g.OutHeight, OW = g.OutWidth, run = WinogradRun(tilesW), rowFloats = WinogradRowFloats(tilesW);
        float* even0 = Scratch.Get(Scratch.WinogradRuns, 4L * run + rowFloats), odd0 = even0 + run, even1 = odd0 + run, odd1 = even1 + run;
        float* line = odd1 + run;
        new Span<float>(line + OW, rowFloats - OW).Clear();   // columns past the map: the copies below write only [0, OW)
        long eStride = (long)og * ld;
        for (int o = 0; o < og; o++)
            for (int r = 0; r < rows; r++)
            {
                int q = r0 + r, s = q / tilesH, oh = 2 * (q - s * tilesH);
                float* plane = dz + s * dzStride + (long)o * OH * OW;
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

    /// <summary>Whole tile rows per block: V (16 × <paramref name="channels"/> × tiles) within <see cref="WinogradBlockBytes"/>,
    /// but at least two GEMM panels of columns.</summary>
    private static int WinogradRowsPerBlock(int channels, int tilesW, int tileRows)
        => Math.Clamp(Math.Max(2 * Gemm.MicroColumns, WinogradBlockBytes / (16 * 4 * channels)) / (tilesW + 1), 1, tileRows);

    /// <summary>Floats per row of a block's transformed tiles (V, M): n tiles and one vector more, since a tile row's last
    /// vector runs past its end (into the next row, which is written afterwards, or into this slack).</summary>
    private static int WinogradTileStride(int n)
    {
        int lanes = Simd.Width / 32;
        return (n + lanes - 1) / lanes * lanes + lanes;
    }

    /// <summary>Floats of one padded row's even or odd run (tilesW + 1 used, one vector more read as t + 1, and room for the
    /// deinterleave's last vector).</summary>
    private static int WinogradRun(int tilesW)
    {
        int lanes = Simd.Width / 32;
        return (tilesW + 1 + lanes - 1) / lanes * lanes + 2 * lanes;
    }

    /// <summary>Floats of a whole padded row (input) or interleaved output row: two runs.</summary>
    private static int WinogradRowFloats(int tilesW) => 2 * WinogradRun(tilesW);

    /// <summary>
    /// The input side of a Winograd pass: the 4×4 windows of the tile rows of one group of samples, transformed into
    /// V_e = Bᵀ·d·B (16 matrices Cg × tiles). Tile row q is sample q / tilesH, tile row q mod tilesH.
    /// </summary>
    private readonly struct WinogradInputTiles
    {
        private readonly Conv2DGeometry _g;
        private readonly float* _x;
        private readonly long _xStride;
        public int TilesH { get; }
        public int TilesW { get; }

        public WinogradInputTiles(in Conv2DGeometry g, float* x, long xStride)
        {
            _g = g; _x = x; _xStride = xStride;
            TilesH = (g.OutHeight + 1) / 2;
            TilesW = (g.OutWidth + 1) / 2;
        }

        /// <summary>
        /// Tiles per tile row in a block's numbering: tilesW, or on a narrow map (tile rows under a third of a vector) tilesW + 1,
        /// so that the transforms run whole vectors across tile rows (a 7×7 map has 4 tiles a row, a quarter of 16 lanes):
        /// window t's rows are then read at t and t + 1 of runs laid end to end, and the extra tile per row (read from the
        /// next row's first columns, finite) is computed and dropped. The weight gradient gives it ∂L/∂M = 0. Measured against
        /// row by row, old and new interleaved (five rounds): `r20_3x3_64` (7×7) 1.07–1.24× forward, 0.98–1.13× forward + backward; on 14×14
        /// (7 tiles a row) the extra GEMM column per row cost more than it saved (`r20_3x3_32` 0.88–0.95×), so it stays row by row.
        /// </summary>
        public int RowStride => 3 * TilesW < Simd.Width / 32 ? TilesW + 1 : TilesW;

        /// <summary>V_e[c, t] for tile rows [r0, r0 + rows), t = (q − r0)·tilesW + tw, each row of V <paramref name="ld"/> floats.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Transform(int r0, int rows, float* v, int ld)
        {
            if (RowStride != TilesW) { TransformNarrow(r0, rows, v, ld); return; }
            int cg = _g.InChannels / _g.Groups, tw = TilesW, run = WinogradRun(tw), rowFloats = WinogradRowFloats(tw);
            float* slots = Scratch.Get(Scratch.WinogradRuns, 8L * run + rowFloats);
            float* line = slots + 8L * run;
            float** window = stackalloc float*[4];
            for (int c = 0; c < cg; c++)
            {
                PrepareLine(line);
                int previous = -1;
                for (int r = 0; r < rows; r++)
                {
                    int q = r0 + r, s = q / TilesH, th = q - s * TilesH;
                    float* plane = _x + s * _xStride + (long)c * _g.InHeight * _g.InWidth;
                    // The window's 4 input rows 2·th + i: the next tile row of the same sample shares two with this one.
                    int fresh = 0;
                    if (previous == q - 1 && th > 0)
                    {
                        float* a = window[0], b = window[1];
                        window[0] = window[2]; window[1] = window[3]; window[2] = a; window[3] = b;
                        fresh = 2;
                    }
                    else
                        for (int i = 0; i < 4; i++) window[i] = slots + 2L * i * run;
                    for (int i = fresh; i < 4; i++) GatherRow(plane, 2 * th + i - _g.PadH, line, window[i], window[i] + run);
                    previous = q;
                    switch (Simd.Width)
                    {
                        case 512: InputTransform<Lanes512, Vector512<float>>(window, run, tw, v + (long)c * ld + r * tw, (long)cg * ld); break;
                        case 256: InputTransform<Lanes256, Vector256<float>>(window, run, tw, v + (long)c * ld + r * tw, (long)cg * ld); break;
                        default: InputTransform<Lanes128, Vector128<float>>(window, run, tw, v + (long)c * ld + r * tw, (long)cg * ld); break;
                    }
                }
            }
        }

        /// <summary>The narrow-map <see cref="Transform"/>: each input row i of the block's windows gathered into one run per
        /// row offset, tile row after tile row (<see cref="RowStride"/> apart), then one transform over the whole block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void TransformNarrow(int r0, int rows, float* v, int ld)
        {
            int cg = _g.InChannels / _g.Groups, stride = RowStride, lanes = Simd.Width / 32, rowFloats = WinogradRowFloats(TilesW);
            int n = rows * stride, run = (n + lanes - 1) / lanes * lanes + 2 * lanes;
            float* runs = Scratch.Get(Scratch.WinogradRuns, 8L * run + rowFloats);
            float* line = runs + 8L * run;
            // Every float a transform reads is written before (a row outside the input clears only its own tiles): no stale
            // scratch can reach the dropped tiles, whose V must be finite (the weight gradient multiplies them by 0).
            new Span<float>(runs, 8 * run).Clear();
            float** window = stackalloc float*[4];
            for (int i = 0; i < 4; i++) window[i] = runs + 2L * i * run;
            for (int c = 0; c < cg; c++)
            {
                PrepareLine(line);
                for (int r = 0; r < rows; r++)
                {
                    int q = r0 + r, s = q / TilesH, th = q - s * TilesH;
                    float* plane = _x + s * _xStride + (long)c * _g.InHeight * _g.InWidth;
                    for (int i = 0; i < 4; i++) GatherRow(plane, 2 * th + i - _g.PadH, line, window[i] + r * stride, window[i] + run + r * stride);
                }
                switch (Simd.Width)
                {
                    case 512: InputTransform<Lanes512, Vector512<float>>(window, run, n, v + (long)c * ld, (long)cg * ld); break;
                    case 256: InputTransform<Lanes256, Vector256<float>>(window, run, n, v + (long)c * ld, (long)cg * ld); break;
                    default: InputTransform<Lanes128, Vector128<float>>(window, run, n, v + (long)c * ld, (long)cg * ld); break;
                }
            }
        }

        /// <summary>Zeros the padded row's left padding and everything right of the W inputs (<see cref="GatherRow"/> writes only those).</summary>
        private void PrepareLine(float* line)
        {
            int pad = _g.PadW, width = 2 * (TilesW + 1), lanes = Simd.Width / 32;
            new Span<float>(line, pad).Clear();
            new Span<float>(line + pad + _g.InWidth, Math.Max(0, width - pad - _g.InWidth) + 2 * lanes).Clear();
        }

        /// <summary>Input row <paramref name="ih"/> of one channel plane, zero-padded (padded columns 0 … 2·tilesW + 1), split into
        /// its even and odd columns; a row outside the input is all zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void GatherRow(float* plane, int ih, float* line, float* even, float* odd)
        {
            int wideRow = TilesW + 1;
            if ((uint)ih >= (uint)_g.InHeight)
            {
                new Span<float>(even, wideRow).Clear();
                new Span<float>(odd, wideRow).Clear();
                return;
            }
            Gemm.Copy(plane + (long)ih * _g.InWidth, line + _g.PadW, _g.InWidth);
            Deinterleave(line, wideRow, even, odd);
        }
    }

    /// <summary>even[u] = line[2u], odd[u] = line[2u + 1] for u &lt; count, by whole vectors: two vpermt2ps per 32 floats with
    /// AVX-512, shuffles at 256 and 128 bits (a scalar loop elsewhere); may write up to a vector less one past count and read up to
    /// two vectors past 2·count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Deinterleave(float* line, int count, float* even, float* odd)
    {
        if (Simd.Width == 512)
        {
            var pick = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            for (int u = 0; u < count; u += 16)
            {
                var v0 = Vector512.Load(line + 2 * u); var v1 = Vector512.Load(line + 2 * u + 16);
                Vector512.Store(Avx512F.PermuteVar16x32x2(v0, pick, v1), even + u);
                Vector512.Store(Avx512F.PermuteVar16x32x2(v0, pick + Vector512<int>.One, v1), odd + u);
            }
            return;
        }
        if (Simd.Width == 256 && Avx2.IsSupported)
        {
            // vshufps picks the even (odd) floats of both loads per 128-bit half; vpermpd puts the halves in order.
            for (int u = 0; u < count; u += 8)
            {
                var v0 = Vector256.Load(line + 2 * u); var v1 = Vector256.Load(line + 2 * u + 8);
                Vector256.Store(Avx2.Permute4x64(Avx.Shuffle(v0, v1, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle(), even + u);
                Vector256.Store(Avx2.Permute4x64(Avx.Shuffle(v0, v1, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle(), odd + u);
            }
            return;
        }
        if (Simd.Width == 128 && Sse.IsSupported)
        {
            for (int u = 0; u < count; u += 4)
            {
                var v0 = Vector128.Load(line + 2 * u); var v1 = Vector128.Load(line + 2 * u + 4);
                Vector128.Store(Sse.Shuffle(v0, v1, 0b10_00_10_00), even + u);
                Vector128.Store(Sse.Shuffle(v0, v1, 0b11_01_11_01), odd + u);
            }
            return;
        }
        for (int u = 0; u < count; u++)
        {
            even[u] = line[2 * u];
            odd[u] = line[2 * u + 1];
        }
    }

    /// <summary>row[2l] = even[l], row[2l + 1] = odd[l] for l &lt; lanes: one output row of a vector of tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(float* even, float* odd, float* row)
    {
        if (Simd.Width == 512)
        {
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var a = Vector512.Load(even); var b = Vector512.Load(odd);
            Vector512.Store(Avx512F.PermuteVar16x32x2(a, low, b), row);
            Vector512.Store(Avx512F.PermuteVar16x32x2(a, low + Vector512.Create(8), b), row + 16);
            return;
        }
        if (Simd.Width == 256 && Avx.IsSupported)
        {
            // vunpcklps / vunpckhps interleave within each 128-bit half; vperm2f128 puts the halves in order.
            var a = Vector256.Load(even); var b = Vector256.Load(odd);
            Vector256<float> low = Avx.UnpackLow(a, b), high = Avx.UnpackHigh(a, b);
            Vector256.Store(Avx.Permute2x128(low, high, 0x20), row);
            Vector256.Store(Avx.Permute2x128(low, high, 0x31), row + 8);
            return;
        }
        if (Simd.Width == 128 && Sse.IsSupported)
        {
            var a = Vector128.Load(even); var b = Vector128.Load(odd);
            Vector128.Store(Sse.UnpackLow(a, b), row);
            Vector128.Store(Sse.UnpackHigh(a, b), row + 4);
            return;
        }
        for (int l = 0; l < Simd.Width / 32; l++)
        {
            row[2 * l] = even[l];
            row[2 * l + 1] = odd[l];
        }
    }

    /// <summary>
    /// V_e[t] = (Bᵀ·d·B)[i, j] for the 4×4 windows d of tiles t ∈ [0, n) of one tile row and channel, e = 4i + j, with
    /// Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]. Row i of window t is even[t], odd[t], even[t + 1], odd[t + 1] of input
    /// row i's even columns (at <paramref name="window"/>[i]) and odd columns (<paramref name="odd"/> floats further).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void InputTransform<TW, TV>(float** window, int odd, int n, float* v, long eStride) where TW : struct, ILanes<TV> where TV : struct
    {
        float* w0 = window[0], w1 = window[1], w2 = window[2], w3 = window[3];
        for (int t = 0; t < n; t += TW.Count)
        {
            // Bᵀ along each row i (horizontal): h_i = (d0 − d2, d1 + d2, d2 − d1, d1 − d3).
            TV h00, h01, h02, h03, h10, h11, h12, h13, h20, h21, h22, h23, h30, h31, h32, h33;
            Row<TW, TV>(w0, odd, t, out h00, out h01, out h02, out h03);
            Row<TW, TV>(w1, odd, t, out h10, out h11, out h12, out h13);
            Row<TW, TV>(w2, odd, t, out h20, out h21, out h22, out h23);
            Row<TW, TV>(w3, odd, t, out h30, out h31, out h32, out h33);
            // Then down each column j (vertical): V_{0j} = h0 − h2, V_{1j} = h1 + h2, V_{2j} = h2 − h1, V_{3j} = h1 − h3.
            float* p = v + t;
            TW.Store(TW.Subtract(h00, h20), p); TW.Store(TW.Subtract(h01, h21), p + eStride);
            TW.Store(TW.Subtract(h02, h22), p + 2 * eStride); TW.Store(TW.Subtract(h03, h23), p + 3 * eStride);
            p += 4 * eStride;
            TW.Store(TW.Add(h10, h20), p); TW.Store(TW.Add(h11, h21), p + eStride);
            TW.Store(TW.Add(h12, h22), p + 2 * eStride); TW.Store(TW.Add(h13, h23), p + 3 * eStride);
            p += 4 * eStride;
            TW.Store(TW.Subtract(h20, h10), p); TW.Store(TW.Subtract(h21, h11), p + eStride);
            TW.Store(TW.Subtract(h22, h12), p + 2 * eStride); TW.Store(TW.Subtract(h23, h13), p + 3 * eStride);
            p += 4 * eStride;
            TW.Store(TW.Subtract(h10, h30), p); TW.Store(TW.Subtract(h11, h31), p + eStride);
            TW.Store(TW.Subtract(h12, h32), p + 2 * eStride); TW.Store(TW.Subtract(h13, h33), p + 3 * eStride);
        }
    }

    /// <summary>Bᵀ along one window row: (d0 − d2, d1 + d2, d2 − d1, d1 − d3) with d = even[t], odd[t], even[t + 1], odd[t + 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Row<TW, TV>(float* even, int odd, int t, out TV h0, out TV h1, out TV h2, out TV h3) where TW : struct, ILanes<TV> where TV : struct
    {
        TV d0 = TW.Load(even + t), d1 = TW.Load(even + odd + t), d2 = TW.Load(even + t + 1), d3 = TW.Load(even + odd + t + 1);
        h0 = TW.Subtract(d0, d2);
        h1 = TW.Add(d1, d2);
        h2 = TW.Subtract(d2, d1);
        h3 = TW.Subtract(d1, d3);
    }

    /// <summary>
    /// One vector of tiles of one output channel: Y = Aᵀ·M·A + bias with Aᵀ = [1 1 1 0; 0 1 −1 −1], M_e at m + e·eStride;
    /// writes Y[0,0], Y[0,1], Y[1,0], Y[1,1] to tile, tile + tileStride, tile + 2·tileStride and tile + 3·tileStride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void OutputTransform<TW, TV>(float* m, long eStride, float bias, float* tile, long tileStride) where TW : struct, ILanes<TV> where TV : struct
    {
        // Aᵀ along each row i: s_i0 = m_i0 + m_i1 + m_i2, s_i1 = m_i1 − m_i2 − m_i3.
        Across<TW, TV>(m, eStride, out TV s00, out TV s01);
        Across<TW, TV>(m + 4 * eStride, eStride, out TV s10, out TV s11);
        Across<TW, TV>(m + 8 * eStride, eStride, out TV s20, out TV s21);
        Across<TW, TV>(m + 12 * eStride, eStride, out TV s30, out TV s31);
        // Then down: Y_0j = s_0j + s_1j + s_2j, Y_1j = s_1j − s_2j − s_3j.
        TV bv = TW.Broadcast(bias);
        TW.Store(TW.Add(TW.Add(TW.Add(s00, s10), s20), bv), tile);
        TW.Store(TW.Add(TW.Add(TW.Add(s01, s11), s21), bv), tile + tileStride);
        TW.Store(TW.Add(TW.Subtract(TW.Subtract(s10, s20), s30), bv), tile + 2 * tileStride);
        TW.Store(TW.Add(TW.Subtract(TW.Subtract(s11, s21), s31), bv), tile + 3 * tileStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Across<TW, TV>(float* m, long eStride, out TV s0, out TV s1) where TW : struct, ILanes<TV> where TV : struct
    {
        TV m0 = TW.Load(m), m1 = TW.Load(m + eStride), m2 = TW.Load(m + 2 * eStride), m3 = TW.Load(m + 3 * eStride);
        s0 = TW.Add(TW.Add(m0, m1), m2);
        s1 = TW.Subtract(TW.Subtract(m1, m2), m3);
    }
}
