using System.Runtime.CompilerServices;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions with many channels (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016): 16 multiplies per 2×2 output tile and channel pair instead of 36. This file: when it is used,
// the weight transform (of both variants), the forward / input-gradient pass and the block layout; Conv2DOp.WinogradTransforms.cs
// the tile transforms, Conv2DOp.WinogradWeightGradient.cs the weight gradient, Conv2DOp.Winograd4.cs F(4×4, 3×3), which takes
// the forward and dx of layers with up to 64 channels on wide maps.
public static unsafe partial class Conv2DOp
{
    /// <summary>Fewest input and output channels per group for <see cref="UseWinograd"/>: below this the transforms cost more
    /// than the 2.25× fewer multiplies save (the products are k = Cg long).</summary>
    private const int WinogradMinChannels = 16;

    /// <summary>Fewest 2×2 output tiles in one call (all samples) for <see cref="UseWinograd"/>: the weights are transformed on
    /// every call (16·O·C floats), which a batch-1 convolution on a small map does not earn back.</summary>
    private const int WinogradMinTiles = 196;

    /// <summary>Target size of one block's transformed input (16 × Cg × tiles floats). Measured 2026-12-03 (one layer, 2 threads,
    /// 256 KiB / 512 KiB / 768 KiB / 1 MiB / 2 MiB): `conv3x3_64` is fastest at 1 MiB (224 tiles a block: forward 13.0–13.8 against
    /// 13.8–15.2 ms at 512 KiB, forward + backward 45.1–46.0 against 47.2–50.7 ms), `conv3x3_128` too (forward + backward 20.1–20.2
    /// against 21.1–21.4 ms); ResNet-20's 16-, 32- and 64-channel layers did not move beyond the noise.</summary>
    private const int WinogradBlockBytes = 1024 * 1024;

    /// <summary>
    /// Winograd F(2×2, 3×3) instead of the GEMM: a 3×3 kernel, stride 1, no dilation, at least <see cref="WinogradMinChannels"/>
    /// input and output channels per group, and at least <see cref="WinogradMinTiles"/> output tiles over the <paramref name="batch"/>
    /// samples. Any padding (the transform reads zeros outside the input).
    /// </summary>
    private static bool UseWinograd(in Conv2DGeometry g, int batch)
        => g.KernelH == 3 && g.KernelW == 3 && g.StrideH == 1 && g.StrideW == 1 && g.DilationH == 1 && g.DilationW == 1
           && g.InChannels / g.Groups >= WinogradMinChannels && g.OutChannels / g.Groups >= WinogradMinChannels
           && (long)batch * ((g.OutHeight + 1) / 2) * ((g.OutWidth + 1) / 2) >= WinogradMinTiles;

    /// <summary>The 3×3 kernel transform U = G·w·Gᵀ of every group's weights, as 16 matrices U_e (Og × Cg, e = 4i + j) for
    /// F(2×2, 3×3) (G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1], <see cref="KernelTransform"/>) or, with <paramref name="four"/>, 36
    /// (e = 6i + j) for F(4×4, 3×3) (<see cref="KernelTransform4"/>), each packed for the GEMM's A; group grp's at the
    /// result + grp·matrices·<paramref name="stride"/>. <paramref name="w"/> is O × C/G × 3 × 3 (OIHW).</summary>
    private static float* WinogradWeights(in Conv2DGeometry g, float* w, bool four, out long stride)
    {
        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G, matrices = four ? 36 : 16;
        long plain = WinogradMatrixStride(Og, Cg);
        stride = Gemm.PackedLength(Og, Cg);
        float* u = Scratch.Get(Scratch.WinogradWeights, matrices * plain);
        float* packed = Scratch.Get(Scratch.PackedWeights, matrices * stride * G);
        for (int grp = 0; grp < G; grp++)
        {
            float* wg = w + (long)grp * Og * Cg * 9;
            if (four) RunKernelTransform(new KernelTransform4(wg, Og, Cg, u, plain), Og);
            else RunKernelTransform(new KernelTransform(wg, Og, Cg, u, plain), Og);
            for (int e = 0; e < matrices; e++)
                Gemm.PackWhole(Og, Cg, u + e * plain, Cg, false, packed + (grp * (long)matrices + e) * stride);
        }
        return packed;
    }

    /// <summary>Runs a kernel transform over <paramref name="og"/> output channels, on the lent threads when there are enough.</summary>
    private static void RunKernelTransform<T>(T rows, int og) where T : struct, IParts
    {
        if (WorkerPool.IntraOpThreads > 1 && og >= 16) WorkerPool.RunIntraOp(WorkerPool.IntraOpThreads, rows);
        else rows.Run(0, 1);
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
        private readonly int _rowsPerBlock, _tileRows;
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
            _tileRows = batch * _input.TilesH;
            _rowsPerBlock = WinogradRowsPerBlock(16, g.InChannels / g.Groups, _input.TilesW, _tileRows);
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
            int cg = _g.InChannels / _g.Groups, og = _g.OutChannels / _g.Groups, tw = _input.TilesW, stride = _input.RowStride;
            int n = rows * stride, lanes = Simd.Width / 32, ld = WinogradTileStride(n);
            long vStride = WinogradMatrixStride(cg, ld), mStride = WinogradMatrixStride(og, ld);
            float* v = Scratch.Get(Scratch.WinogradInput, 16 * vStride);
            float* m = Scratch.Get(Scratch.WinogradProducts, 16 * mStride);
            _input.Transform(r0, rows, v, ld, vStride);
            for (int e = 0; e < 16; e++)
            {
                // V_e read in place: each row has a vector of slack past the block's n tiles (WinogradTileStride).
                var src = new Gemm.MatrixPanels(v + e * vStride, ld, readInPlace: true);
                Gemm.MultiplyCore(og, n, cg, null, cg, false, ref src, m + e * mStride, ld, false, null, null, Act.None, 0f, _u + e * _uStride);
            }
            float* tile = stackalloc float[4 * 16];
            int OH = _g.OutHeight, OW = _g.OutWidth, rowFloats = WinogradRowFloats(tw);
            int whole = OW / (2 * lanes) * (2 * lanes);   // an output row's columns written as whole vector pairs, straight into y
            bool narrow = stride != tw;
            // The input side is done with this scratch: two output rows, and for narrow maps the block's Y[a, b] (4 × ld).
            float* line = Scratch.Get(Scratch.WinogradRuns, 2L * rowFloats + (narrow ? 4L * ld : 0)), line2 = line + rowFloats;
            float* yTiles = line2 + rowFloats;
            int s0 = r0 / _input.TilesH, th0 = r0 - s0 * _input.TilesH;
            for (int o = 0; o < og; o++)
            {
                float bias = _b == null ? 0f : _b[o];
                // Narrow maps: every tile of the block in whole vectors first (across tile rows), then row by row below.
                if (narrow)
                    for (int t = 0; t < n; t += lanes) OutputTransform(m + (long)o * ld + t, mStride, bias, yTiles + t, ld);
                for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, _input.TilesH))
                {
                    int oh = 2 * th, h = Math.Min(2, OH - oh);
                    float* dst = _y + s * _yStride + ((long)o * OH + oh) * OW;
                    // The next channel's rows here (read by the input gradient's +=, and for y owned before they are written).
                    if (o + 1 < og) PrefetchRows(dst + (long)OH * OW, h, OW);
                    // Both output rows of the tile row, interleaved straight into y (or added to it) where a whole vector pair
                    // fits in the row, the rest into line / line2 and then copied (or added) into y.
                    for (int t = 0; t < tw; t += lanes)
                    {
                        // Y[0,0], Y[0,1], Y[1,0], Y[1,1] of this vector of tiles, ys apart: transformed above, or here.
                        float* y4 = tile;
                        long ys = lanes;
                        if (narrow) { y4 = yTiles + r * stride + t; ys = ld; }
                        else OutputTransform(m + (long)o * ld + r * stride + t, mStride, bias, tile, lanes);
                        bool inRow = 2 * t < whole;
                        Interleave(y4, y4 + ys, inRow ? dst + 2 * t : line + 2 * t, inRow && _accumulate);
                        Interleave(y4 + 2 * ys, y4 + 3 * ys, inRow && h == 2 ? dst + OW + 2 * t : line2 + 2 * t, inRow && h == 2 && _accumulate);
                    }
                    if (_accumulate)
                    {
                        Gemm.AddTo(line + whole, dst + whole, OW - whole);
                        if (h == 2) Gemm.AddTo(line2 + whole, dst + OW + whole, OW - whole);
                    }
                    else
                    {
                        Gemm.Copy(line + whole, dst + whole, OW - whole);
                        if (h == 2) Gemm.Copy(line2 + whole, dst + OW + whole, OW - whole);
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

    /// <summary>Floats from one of the 16 matrices (U_e, ∂L/∂U_e: Og × Cg; a block's V_e, M_e: channels × ld) to the next:
    /// written side by side, they start 64 floats apart from a multiple of 4 KiB, since 16 streams exactly a power of two
    /// apart would all fall into the same L1 sets (a 512 × 512 layer's weight transform ran 5x slower that way, and a
    /// 64-channel block of 128-float rows put V's and M's 16 streams 32 KiB apart).</summary>
    private static long WinogradMatrixStride(int rows, int columns) => (long)rows * columns + 64;

    /// <summary>Whole tile rows per block: V (<paramref name="matrices"/> × <paramref name="channels"/> × tiles) within
    /// <see cref="WinogradBlockBytes"/>, but at least two GEMM panels of columns.</summary>
    private static int WinogradRowsPerBlock(int matrices, int channels, int tilesW, int tileRows)
        => Math.Clamp(Math.Max(2 * Gemm.MicroColumns, WinogradBlockBytes / (matrices * 4 * channels)) / (tilesW + 1), 1, tileRows);

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
}
