using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DeepPsych.Dsl.Execution;

namespace DeepPsych.Dsl.Ops;

// Winograd F(4×4, 3×3) for the forward and dx of 3×3 stride-1 convolutions with up to 64 channels: 36 multiplies per 4×4
// output tile and channel pair instead of 144 (4× fewer; F(2×2, 3×3) saves 2.25×). The interpolation points are 0, −1, 1, −½, 2
// and ∞ rather than the usual 0, ±1, ±2: in float32 they carry about half the error (Barabasz, Anderson, Soodhalter and
// Gregg, "Error analysis and improving the accuracy of Winograd convolution for deep neural networks", 2020; simulated here
// on random 120- and 256-channel layers against a double reference: 4–5e-5 and 7–9e-5 of max(1, |y|), against 9e-5–1.2e-4 and
// 2.2–2.5e-4, and F(2×2, 3×3)'s 5–6e-6 and 1.4e-5). That error grows with the channels summed: at 128 the finite-difference
// check of a tanh layer's dW (which reads tanh′ of the forward's y) failed at 1.25e-3 against its 1e-3, at 64 it passes, so
// wider layers keep F(2×2, 3×3). The weight gradient always does (Conv2DOp.WinogradWeightGradient.cs): its sums run over every tile.
// The structure is F(2×2, 3×3)'s (Conv2DOp.Winograd.cs): blocks of whole tile rows, transformed into V, 36 GEMMs, and
// transformed back while hot; the input rows are split into their four column phases (x mod 4) by two rounds of the
// even/odd split, and the output rows put together by two rounds of its interleave.
public static unsafe partial class Conv2DOp
{
    /// <summary>Most input and output channels per group for <see cref="UseWinograd4"/>: F(4×4, 3×3)'s float32 error grows with
    /// the channels summed (see the top of this file; at 128 a tanh layer's finite-difference check failed).</summary>
    private const int Winograd4MaxChannels = 64;

    /// <summary>
    /// F(4×4, 3×3) instead of F(2×2, 3×3) for a layer <see cref="UseWinograd"/> takes: at most <see cref="Winograd4MaxChannels"/>
    /// channels each way, at least 4 output rows, and tile rows that fill at least ¾ of the vectors the transforms run along
    /// them. A 28-wide map has 7 tiles a row, 7 of 16 lanes at 512 bits, and `r20_3x3_16` (28×28, 16 channels) ran its forward
    /// in 1.67–1.79 ms against F(2×2, 3×3)'s 1.54–1.64 ms; a 56-wide one fills 14 of 16 (`conv3x3_64` forward 8.8–9.5 against
    /// 12.6–13.0 ms, 16 → 16 channels on 56×56 1.44–1.53 against 1.50–1.91 ms; interleaved rounds, 2 threads).
    /// </summary>
    internal static bool UseWinograd4(in Conv2DGeometry g, int batch)
    {
        int lanes = Simd.Width / 32, tilesW = (g.OutWidth + 3) / 4;
        return UseWinograd(g, batch) && Math.Max(g.InChannels, g.OutChannels) / g.Groups <= Winograd4MaxChannels
               && g.OutHeight >= 4 && 4 * tilesW >= 3 * ((tilesW + lanes - 1) / lanes * lanes);
    }

    /// <summary>
    /// y (+)= act(conv3×3(x) + b) for every group and all <paramref name="batch"/> samples by Winograd: F(4×4, 3×3) where it
    /// qualifies (<see cref="UseWinograd4"/>), else F(2×2, 3×3). The forward (x, the layer's weights) and dx (dz, the flipped
    /// weights of the transposed geometry, added into dx) both come here.
    /// </summary>
    private static void Winograd(in Conv2DGeometry g, int batch, float* x, float* w, float* b, float* y, Act act, float slope, bool accumulate)
    {
        int G = g.Groups, Cg = g.InChannels / G, Og = g.OutChannels / G;
        long xGroup = (long)Cg * g.InHeight * g.InWidth, yGroup = (long)Og * g.OutHeight * g.OutWidth;
        bool four = UseWinograd4(g, batch);
        int matrices = four ? 36 : 16;
        float* u = WinogradWeights(g, w, four, out long uStride);
        for (int grp = 0; grp < G; grp++)
        {
            float* xg = x + grp * xGroup, ug = u + grp * matrices * uStride, bg = b == null ? null : b + grp * Og, yg = y + grp * yGroup;
            if (four) Winograd4Convolution(g, batch, xg, g.InputLength, ug, uStride, bg, yg, g.OutputLength, act, slope, accumulate);
            else WinogradConvolution(g, batch, xg, g.InputLength, ug, uStride, bg, yg, g.OutputLength, act, slope, accumulate);
        }
    }

    /// <summary>U_e[o, c] = (G·w[o, c]·Gᵀ)[i, j], e = 6i + j, for F(4×4, 3×3), in double and rounded once, for one group's
    /// output channels split into runs of o (<see cref="WinogradWeights"/>).</summary>
    private readonly struct KernelTransform4(float* w, int og, int cg, float* u, long plain) : IParts
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Run(int part, int parts)
        {
            double* t = stackalloc double[18];
            double* row = stackalloc double[6];
            int first = Shards.Start(og, parts, part), end = first + Shards.Length(og, parts, part);
            for (int o = first; o < end; o++)
                for (int c = 0; c < cg; c++)
                {
                    float* k = w + ((long)o * cg + c) * 9;
                    // t = G·k (6 × 3), column by column, then U = t·Gᵀ (6 × 6), row by row.
                    for (int j = 0; j < 3; j++)
                    {
                        KernelColumn4(k[j], k[3 + j], k[6 + j], row);
                        for (int i = 0; i < 6; i++) t[3 * i + j] = row[i];
                    }
                    float* ue = u + (long)o * cg + c;
                    for (int i = 0; i < 6; i++)
                    {
                        KernelColumn4(t[3 * i], t[3 * i + 1], t[3 * i + 2], row);
                        for (int j = 0; j < 6; j++) ue[(6 * i + j) * plain] = (float)row[j];
                    }
                }
        }
    }

    /// <summary>G·(k0, k1, k2) for F(4×4, 3×3) with the points 0, −1, 1, −½, 2, ∞: G = [1 0 0; ⅓ −⅓ ⅓; −⅓ −⅓ −⅓;
    /// −16/15 8/15 −4/15; 1/15 2/15 4/15; 0 0 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelColumn4(double k0, double k1, double k2, double* g)
    {
        g[0] = k0;
        g[1] = (k0 - k1 + k2) / 3;
        g[2] = -(k0 + k1 + k2) / 3;
        g[3] = (-16 * k0 + 8 * k1 - 4 * k2) / 15;
        g[4] = (k0 + 2 * k1 + 4 * k2) / 15;
        g[5] = k2;
    }

    /// <summary>
    /// y (+)= act(conv3×3(x) + b) for one group of <paramref name="batch"/> samples by Winograd F(4×4, 3×3): the output is cut
    /// into 4×4 tiles, each read from a 6×6 window of the zero-padded input; per channel pair the tile is Aᵀ·[U ⊙ (Bᵀ·d·B)]·A,
    /// and summed over input channels the 36 element-wise products become 36 GEMMs M_e = U_e·V_e. The parameters are
    /// <see cref="WinogradConvolution"/>'s, with 36 packed U_e.
    /// </summary>
    private static void Winograd4Convolution(in Conv2DGeometry g, int batch, float* x, long xStride, float* packedU, long uStride,
        float* b, float* y, long yStride, Act act, float slope, bool accumulate)
    {
        var tiles = new Winograd4Tiles(g, batch, x, xStride, packedU, uStride, b, y, yStride, act, slope, accumulate);
        int blocks = tiles.Blocks, threads = WorkerPool.IntraOpThreads;
        if (threads > 1 && blocks > 1) WorkerPool.RunIntraOp(Math.Min(threads, blocks), tiles);
        else tiles.Run(0, 1);
    }

    /// <summary>The tile blocks of one <see cref="Winograd4Convolution"/>: part p of P runs the p-th run of blocks.</summary>
    private readonly struct Winograd4Tiles : IParts
    {
        private readonly Conv2DGeometry _g;
        private readonly Winograd4InputTiles _input;
        private readonly int _rowsPerBlock, _tileRows;
        private readonly float* _u, _b, _y;
        private readonly long _uStride, _yStride;
        private readonly Act _act;
        private readonly float _slope;
        private readonly bool _accumulate;

        public Winograd4Tiles(in Conv2DGeometry g, int batch, float* x, long xStride, float* u, long uStride, float* b, float* y, long yStride,
            Act act, float slope, bool accumulate)
        {
            _g = g; _act = act; _slope = slope; _accumulate = accumulate;
            _input = new Winograd4InputTiles(g, x, xStride);
            _u = u; _uStride = uStride; _b = b; _y = y; _yStride = yStride;
            _tileRows = batch * _input.TilesH;
            _rowsPerBlock = Winograd4RowsPerBlock(g.InChannels / g.Groups, _input.TilesW, _tileRows);
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

        /// <summary>Tile rows [r0, r0 + rows) (row r: sample r / tilesH, tile row r mod tilesH), tile t = (r − r0)·tilesW + tw of
        /// the block: the input windows transformed into V, the 36 products M_e = U_e·V_e, and M transformed back into y.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void Block(int r0, int rows)
        {
            int cg = _g.InChannels / _g.Groups, og = _g.OutChannels / _g.Groups, tw = _input.TilesW;
            int n = rows * tw, lanes = Simd.Width / 32, ld = WinogradTileStride(n);
            long vStride = WinogradMatrixStride(cg, ld), mStride = WinogradMatrixStride(og, ld);
            float* v = Scratch.Get(Scratch.WinogradInput, 36 * vStride);
            float* m = Scratch.Get(Scratch.WinogradProducts, 36 * mStride);
            _input.Transform(r0, rows, v, ld, vStride);
            for (int e = 0; e < 36; e++)
            {
                var src = new Gemm.MatrixPanels(v + e * vStride, ld, readInPlace: true);
                Gemm.MultiplyCore(og, n, cg, null, cg, false, ref src, m + e * mStride, ld, false, null, null, Act.None, 0f, _u + e * _uStride);
            }
            int OH = _g.OutHeight, OW = _g.OutWidth;
            float* columns = stackalloc float[25 * 16];   // Aᵀ down M's columns, a vector each, and a part vector (OutputRows4)
            int s0 = r0 / _input.TilesH, th0 = r0 - s0 * _input.TilesH;
            for (int o = 0; o < og; o++)
            {
                float bias = _b == null ? 0f : _b[o];
                for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, _input.TilesH))
                {
                    int oh = 4 * th, h = Math.Min(4, OH - oh);
                    float* dst = _y + s * _yStride + ((long)o * OH + oh) * OW;
                    if (o + 1 < og) PrefetchRows(dst + (long)OH * OW, h, OW);   // the next channel's rows here, one ahead
                    for (int t = 0; t < tw; t += lanes)
                        OutputRows4(m + (long)o * ld + r * tw + t, mStride, bias, dst + 4 * t, OW, h, Math.Min(4 * lanes, OW - 4 * t), _accumulate, columns);
                    if (!_accumulate && _act != Act.None)
                    {
                        var span = new Span<float>(dst, h * OW);
                        ActivationOp.Forward(_act, _slope, span, span);
                    }
                }
            }
        }
    }

    /// <summary>Most bytes of one F(4×4, 3×3) block's transformed input (36 × Cg × tiles floats). Measured 2026-12-03 on
    /// `conv3x3_64` (forward, one layer, 2 threads, three interleaved rounds of 2 s runs, with the first version of the transforms):
    /// 1 MiB (8 tile rows, 112 tiles) 12.9–13.3 ms, 1.5 MiB 12.5–12.8 ms, 1.5 MiB with the row count that fills the GEMM's panels
    /// best (10 rows, 140 of 144 columns) 12.0–12.2 ms, 2 MiB the same way 12.3–12.4 ms.</summary>
    private const int Winograd4BlockBytes = 3 * 512 * 1024;

    /// <summary>Whole tile rows per F(4×4, 3×3) block: of the counts whose V (36 × <paramref name="channels"/> × tiles) fits
    /// <see cref="Winograd4BlockBytes"/>, down to half the most, the one whose tiles fill the GEMM's panels of
    /// <see cref="Gemm.MicroColumns"/> best (the largest of equals).</summary>
    private static int Winograd4RowsPerBlock(int channels, int tilesW, int tileRows)
    {
        int most = Math.Clamp(Winograd4BlockBytes / (36 * 4 * channels) / tilesW, 1, tileRows), best = most, panel = Gemm.MicroColumns;
        double fill = 0;
        for (int rows = most; rows >= Math.Max(1, most / 2); rows--)
        {
            int n = rows * tilesW;
            double f = (double)n / ((n + panel - 1) / panel * panel);
            if (f > fill) { fill = f; best = rows; }
        }
        return best;
    }

    /// <summary>Floats of one column phase (x mod 4) of a padded input row: the tiles' vectors and one more, read as t + 1.</summary>
    private static int Winograd4Run(int tilesW)
    {
        int lanes = Simd.Width / 32;
        return (tilesW + lanes - 1) / lanes * lanes + lanes;
    }

    /// <summary>The input side of an F(4×4, 3×3) pass: the 6×6 windows of the tile rows of one group of samples, transformed
    /// into V_e = Bᵀ·d·B (36 matrices Cg × tiles). Tile row q is sample q / tilesH, tile row q mod tilesH.</summary>
    private readonly struct Winograd4InputTiles
    {
        private readonly Conv2DGeometry _g;
        private readonly float* _x;
        private readonly long _xStride;
        public int TilesH { get; }
        public int TilesW { get; }

        public Winograd4InputTiles(in Conv2DGeometry g, float* x, long xStride)
        {
            _g = g; _x = x; _xStride = xStride;
            TilesH = (g.OutHeight + 3) / 4;
            TilesW = (g.OutWidth + 3) / 4;
        }

        /// <summary>V_e[c, t] for tile rows [r0, r0 + rows), t = (q − r0)·tilesW + tw, each row of V <paramref name="ld"/> floats,
        /// V_e at v + e·<paramref name="eStride"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Transform(int r0, int rows, float* v, int ld, long eStride)
        {
            int cg = _g.InChannels / _g.Groups, tw = TilesW, run = Winograd4Run(tw);
            // Six window rows of four phases each, then the padded row and its even and odd halves.
            float* slots = Scratch.Get(Scratch.WinogradRuns, 32L * run);
            float* line = slots + 24L * run, halves = line + 4L * run;
            float** window = stackalloc float*[6];
            new Span<float>(slots, 24 * run).Clear();
            // GatherRow4 writes only the input's columns: the zeros around them serve every channel.
            new Span<float>(line, _g.PadW).Clear();
            new Span<float>(line + _g.PadW + _g.InWidth, 4 * run - _g.PadW - _g.InWidth).Clear();
            int s0 = r0 / TilesH, th0 = r0 - s0 * TilesH;
            for (int c = 0; c < cg; c++)
            {
                int previous = -1;
                for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, TilesH))
                {
                    int q = r0 + r;
                    float* plane = _x + s * _xStride + (long)c * _g.InHeight * _g.InWidth;
                    // The window's 6 input rows 4·th + i: the next tile row of the same sample shares two with this one.
                    int fresh = 0;
                    if (previous == q - 1 && th > 0)
                    {
                        float* a = window[0], b = window[1], c2 = window[2], d = window[3];
                        window[0] = window[4]; window[1] = window[5];
                        window[2] = a; window[3] = b; window[4] = c2; window[5] = d;
                        fresh = 2;
                    }
                    else
                        for (int i = 0; i < 6; i++) window[i] = slots + 4L * i * run;
                    for (int i = fresh; i < 6; i++) GatherRow4(plane, 4 * th + i - _g.PadH, line, halves, window[i], run);
                    if (c + 1 < cg)
                    {
                        int first = Math.Max(0, 4 * th + fresh - _g.PadH), end = Math.Min(_g.InHeight, 4 * th + 6 - _g.PadH);
                        PrefetchRows(plane + ((long)_g.InHeight + first) * _g.InWidth, end - first, _g.InWidth);
                    }
                    previous = q;
                    InputTransform4(window, run, tw, v + (long)c * ld + r * tw, eStride);
                }
            }
        }

        /// <summary>Input row <paramref name="ih"/> of one channel plane, zero-padded, split into its four column phases:
        /// phase k (padded columns 4u + k) at <paramref name="phases"/> + k·<paramref name="run"/>; a row outside the input is all zeros.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void GatherRow4(float* plane, int ih, float* line, float* halves, float* phases, int run)
        {
            if ((uint)ih >= (uint)_g.InHeight)
            {
                new Span<float>(phases, 4 * run).Clear();
                return;
            }
            Gemm.Copy(plane + (long)ih * _g.InWidth, line + _g.PadW, _g.InWidth);
            // Even columns (2u) and odd (2u + 1); then the even ones' even and odd are the phases 0 and 2, the odd ones' 1 and 3.
            // Only the tilesW + 1 entries the windows use are split (whole vectors of them); the rest of each run keeps what it
            // held (zeros from Transform, or an earlier row's values: finite), read only by the dropped tiles past tilesW.
            int used = (TilesW + 1 + Simd.Width / 32 - 1) / (Simd.Width / 32) * (Simd.Width / 32);
            Deinterleave(line, 2 * used, halves, halves + 2 * run);
            Deinterleave(halves, used, phases, phases + 2 * run);
            Deinterleave(halves + 2 * run, used, phases + run, phases + 3 * run);
        }
    }

    /// <summary><see cref="InputTransform4{TW, TV}"/> at the vector width the machine takes.</summary>
    private static void InputTransform4(float** window, int run, int n, float* v, long eStride)
    {
        switch (Simd.Width)
        {
            case 512: InputTransform4<Lanes512, Vector512<float>>(window, run, n, v, eStride); break;
            case 256: InputTransform4<Lanes256, Vector256<float>>(window, run, n, v, eStride); break;
            default: InputTransform4<Lanes128, Vector128<float>>(window, run, n, v, eStride); break;
        }
    }

    /// <summary><see cref="OutputRows4{TW, TV}"/> at the vector width the machine takes.</summary>
    private static void OutputRows4(float* m, long eStride, float bias, float* row, long rowStride, int h, int width, bool add, float* columns)
    {
        switch (Simd.Width)
        {
            case 512: OutputRows4<Lanes512, Vector512<float>>(m, eStride, bias, row, rowStride, h, width, add, columns); break;
            case 256: OutputRows4<Lanes256, Vector256<float>>(m, eStride, bias, row, rowStride, h, width, add, columns); break;
            default: OutputRows4<Lanes128, Vector128<float>>(m, eStride, bias, row, rowStride, h, width, add, columns); break;
        }
    }

    /// <summary>
    /// V_e[t] = (Bᵀ·d·B)[i, j] for the 6×6 windows d of tiles t ∈ [0, n) of one tile row and channel, e = 6i + j. Row i of
    /// window t is p0[t], p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1] of input row i's column phases (phase k at
    /// <paramref name="window"/>[i] + k·<paramref name="run"/>). In two halves, columns j = 0…2 and then 3…5: Bᵀ along the 6 rows
    /// (3 values each, 18 vectors in registers), then down those columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void InputTransform4<TW, TV>(float** window, int run, int n, float* v, long eStride) where TW : struct, ILanes<TV> where TV : struct
    {
        float* w0 = window[0], w1 = window[1], w2 = window[2], w3 = window[3], w4 = window[4], w5 = window[5];
        for (int t = 0; t < n; t += TW.Count)
        {
            Bt4Low<TW, TV>(w0 + t, run, out TV a0, out TV b0, out TV c0);
            Bt4Low<TW, TV>(w1 + t, run, out TV a1, out TV b1, out TV c1);
            Bt4Low<TW, TV>(w2 + t, run, out TV a2, out TV b2, out TV c2);
            Bt4Low<TW, TV>(w3 + t, run, out TV a3, out TV b3, out TV c3);
            Bt4Low<TW, TV>(w4 + t, run, out TV a4, out TV b4, out TV c4);
            Bt4Low<TW, TV>(w5 + t, run, out TV a5, out TV b5, out TV c5);
            Down<TW, TV>(a0, a1, a2, a3, a4, a5, v + t, eStride);
            Down<TW, TV>(b0, b1, b2, b3, b4, b5, v + eStride + t, eStride);
            Down<TW, TV>(c0, c1, c2, c3, c4, c5, v + 2 * eStride + t, eStride);
            Bt4High<TW, TV>(w0 + t, run, out a0, out b0, out c0);
            Bt4High<TW, TV>(w1 + t, run, out a1, out b1, out c1);
            Bt4High<TW, TV>(w2 + t, run, out a2, out b2, out c2);
            Bt4High<TW, TV>(w3 + t, run, out a3, out b3, out c3);
            Bt4High<TW, TV>(w4 + t, run, out a4, out b4, out c4);
            Bt4High<TW, TV>(w5 + t, run, out a5, out b5, out c5);
            Down<TW, TV>(a0, a1, a2, a3, a4, a5, v + 3 * eStride + t, eStride);
            Down<TW, TV>(b0, b1, b2, b3, b4, b5, v + 4 * eStride + t, eStride);
            Down<TW, TV>(c0, c1, c2, c3, c4, c5, v + 5 * eStride + t, eStride);
        }
    }

    /// <summary>Bᵀ down one column j of the row-transformed window (h_0j … h_5j): V_{6i + j} for i = 0…5 at p + 6i·eStride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Down<TW, TV>(TV h0, TV h1, TV h2, TV h3, TV h4, TV h5, float* p, long eStride) where TW : struct, ILanes<TV> where TV : struct
    {
        Bt4Low<TW, TV>(h0, h1, h2, h3, h4, out TV v0, out TV v1, out TV v2);
        Bt4High<TW, TV>(h1, h2, h3, h4, h5, out TV v3, out TV v4, out TV v5);
        TW.Store(v0, p); TW.Store(v1, p + 6 * eStride); TW.Store(v2, p + 12 * eStride);
        TW.Store(v3, p + 18 * eStride); TW.Store(v4, p + 24 * eStride); TW.Store(v5, p + 30 * eStride);
    }

    /// <summary>Bᵀ's first three rows along one window row: d = p0[t], p1[t], p2[t], p3[t], p0[t + 1] (phase k at p + k·run).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bt4Low<TW, TV>(float* p, int run, out TV h0, out TV h1, out TV h2) where TW : struct, ILanes<TV> where TV : struct
        => Bt4Low<TW, TV>(TW.Load(p), TW.Load(p + run), TW.Load(p + 2 * run), TW.Load(p + 3 * run), TW.Load(p + 1), out h0, out h1, out h2);

    /// <summary>Bᵀ's last three rows along one window row: d = p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bt4High<TW, TV>(float* p, int run, out TV h3, out TV h4, out TV h5) where TW : struct, ILanes<TV> where TV : struct
        => Bt4High<TW, TV>(TW.Load(p + run), TW.Load(p + 2 * run), TW.Load(p + 3 * run), TW.Load(p + 1), TW.Load(p + run + 1), out h3, out h4, out h5);

    /// <summary>
    /// Bᵀ·d for F(4×4, 3×3) with the points 0, −1, 1, −½, 2, ∞: Bᵀ = [1 3/2 −2 −3/2 1 0; 0 1 ½ −5/2 1 0; 0 −1 −5/2 −½ 1 0;
    /// 0 2 −1 −2 1 0; 0 −½ −1 ½ 1 0; 0 1 3/2 −2 −3/2 1], on the shared terms c = d4 − d2 and e = d1 − d3: here rows 0–2
    /// (which do not read d5), <see cref="Bt4High{TW, TV}(TV, TV, TV, TV, TV, out TV, out TV, out TV)"/> rows 3–5 (not d0).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bt4Low<TW, TV>(TV d0, TV d1, TV d2, TV d3, TV d4, out TV h0, out TV h1, out TV h2) where TW : struct, ILanes<TV> where TV : struct
    {
        TV c = TW.Subtract(d4, d2), e = TW.Subtract(d1, d3);
        TV a = TW.MultiplyAdd(TW.Broadcast(-1.5f), d3, c), b = TW.MultiplyAdd(TW.Broadcast(1.5f), d2, e);
        h0 = TW.MultiplyAdd(TW.Broadcast(1.5f), e, TW.Add(TW.Subtract(d0, d2), c));
        h1 = TW.Add(a, b);
        h2 = TW.Subtract(a, b);
    }

    /// <summary>Rows 3–5 of Bᵀ·d (see <see cref="Bt4Low{TW, TV}(TV, TV, TV, TV, TV, out TV, out TV, out TV)"/>), from d1 … d5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bt4High<TW, TV>(TV d1, TV d2, TV d3, TV d4, TV d5, out TV h3, out TV h4, out TV h5) where TW : struct, ILanes<TV> where TV : struct
    {
        TV c = TW.Subtract(d4, d2), e = TW.Subtract(d1, d3);
        h3 = TW.MultiplyAdd(TW.Broadcast(2f), e, c);
        h4 = TW.MultiplyAdd(TW.Broadcast(-0.5f), e, c);
        h5 = TW.MultiplyAdd(TW.Broadcast(-1.5f), c, TW.Add(e, TW.Subtract(d5, d3)));
    }

    /// <summary>
    /// One vector of 4×4 tiles of one output channel: Y = Aᵀ·M·A + bias with Aᵀ = [1 1 1 1 1 0; 0 −1 1 −½ 2 0; 0 1 1 ¼ 4 0;
    /// 0 −1 1 −⅛ 8 1], M_e at m + e·eStride (e = 6i + j). Aᵀ down each of M's 6 columns first (into <paramref name="columns"/>,
    /// 24 vectors), then along each of the first <paramref name="h"/> rows, whose 4 values per tile are interleaved into the
    /// row's first <paramref name="width"/> columns (row i at <paramref name="row"/> + i·<paramref name="rowStride"/>; added to
    /// them with <paramref name="add"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot kernel: optimised at first call (a tier-0 generic SIMD kernel runs ~10x slower until it tiers up)
    private static void OutputRows4<TW, TV>(float* m, long eStride, float bias, float* row, long rowStride, int h, int width, bool add, float* columns)
        where TW : struct, ILanes<TV> where TV : struct
    {
        int lanes = TW.Count;
        for (int j = 0; j < 6; j++)
        {
            float* mj = m + j * eStride;
            At4<TW, TV>(TW.Load(mj), TW.Load(mj + 6 * eStride), TW.Load(mj + 12 * eStride), TW.Load(mj + 18 * eStride), TW.Load(mj + 24 * eStride), TW.Load(mj + 30 * eStride),
                out TV z0, out TV z1, out TV z2, out TV z3);
            float* cj = columns + j * lanes;
            TW.Store(z0, cj); TW.Store(z1, cj + 6 * lanes); TW.Store(z2, cj + 12 * lanes); TW.Store(z3, cj + 18 * lanes);
        }
        TV bv = TW.Broadcast(bias);
        float* part = columns + 24 * lanes;   // past the 24 vectors above: a part vector on its way to the row
        for (int i = 0; i < h; i++)
        {
            float* ci = columns + 6 * i * lanes;
            At4<TW, TV>(TW.Load(ci), TW.Load(ci + lanes), TW.Load(ci + 2 * lanes), TW.Load(ci + 3 * lanes), TW.Load(ci + 4 * lanes), TW.Load(ci + 5 * lanes),
                out TV y0, out TV y1, out TV y2, out TV y3);
            // Lane l's four columns 4l … 4l + 3: y0 with y2 and y1 with y3, then the two pairs with each other.
            Zip<TV>(TW.Add(y0, bv), TW.Add(y2, bv), out TV e0, out TV e1);
            Zip<TV>(TW.Add(y1, bv), TW.Add(y3, bv), out TV o0, out TV o1);
            Zip<TV>(e0, o0, out TV r0, out TV r1);
            Zip<TV>(e1, o1, out TV r2, out TV r3);
            float* p = row + i * rowStride;
            PutColumns<TW, TV>(r0, p, width, add, part);
            PutColumns<TW, TV>(r1, p + lanes, width - lanes, add, part);
            PutColumns<TW, TV>(r2, p + 2 * lanes, width - 2 * lanes, add, part);
            PutColumns<TW, TV>(r3, p + 3 * lanes, width - 3 * lanes, add, part);
        }
    }

    /// <summary>The first <paramref name="count"/> lanes of <paramref name="r"/> (all of them from a whole vector on) into
    /// <paramref name="p"/>, or added to it: a whole vector stored as it is, a part through <paramref name="part"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutColumns<TW, TV>(TV r, float* p, int count, bool add, float* part) where TW : struct, ILanes<TV> where TV : struct
    {
        if (count >= TW.Count) TW.Store(add ? TW.Add(r, TW.Load(p)) : r, p);
        else if (count > 0)
        {
            TW.Store(r, part);
            if (add) Gemm.AddTo(part, p, count);
            else Gemm.Copy(part, p, count);
        }
    }

    /// <summary>lo = a0, b0, a1, b1, … (the first halves of a and b, interleaved), hi = the second halves, interleaved.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Zip<TV>(TV a, TV b, out TV lo, out TV hi) where TV : struct
    {
        if (typeof(TV) == typeof(Vector512<float>))
        {
            var x = Unsafe.As<TV, Vector512<float>>(ref a); var y = Unsafe.As<TV, Vector512<float>>(ref b);
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var l = Avx512F.PermuteVar16x32x2(x, low, y); var h = Avx512F.PermuteVar16x32x2(x, low + Vector512.Create(8), y);
            lo = Unsafe.As<Vector512<float>, TV>(ref l); hi = Unsafe.As<Vector512<float>, TV>(ref h);
        }
        else if (typeof(TV) == typeof(Vector256<float>) && Avx.IsSupported)
        {
            var x = Unsafe.As<TV, Vector256<float>>(ref a); var y = Unsafe.As<TV, Vector256<float>>(ref b);
            // vunpcklps / vunpckhps interleave within each 128-bit half; vperm2f128 puts the halves in order.
            Vector256<float> u = Avx.UnpackLow(x, y), v = Avx.UnpackHigh(x, y);
            var l = Avx.Permute2x128(u, v, 0x20); var h = Avx.Permute2x128(u, v, 0x31);
            lo = Unsafe.As<Vector256<float>, TV>(ref l); hi = Unsafe.As<Vector256<float>, TV>(ref h);
        }
        else if (typeof(TV) == typeof(Vector128<float>) && Sse.IsSupported)
        {
            var x = Unsafe.As<TV, Vector128<float>>(ref a); var y = Unsafe.As<TV, Vector128<float>>(ref b);
            var l = Sse.UnpackLow(x, y); var h = Sse.UnpackHigh(x, y);
            lo = Unsafe.As<Vector128<float>, TV>(ref l); hi = Unsafe.As<Vector128<float>, TV>(ref h);
        }
        else ZipLanes(a, b, out lo, out hi);
    }

    /// <summary><see cref="Zip{TV}"/> lane by lane through memory, for any other ISA (Arm); apart so that Zip itself inlines.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ZipLanes<TV>(TV a, TV b, out TV lo, out TV hi) where TV : struct
    {
        int n = Unsafe.SizeOf<TV>() / 4;
        float* pa = stackalloc float[n], pb = stackalloc float[n], pl = stackalloc float[n], ph = stackalloc float[n];
        Unsafe.Write(pa, a); Unsafe.Write(pb, b);
        for (int l = 0; l < n / 2; l++)
        {
            pl[2 * l] = pa[l]; pl[2 * l + 1] = pb[l];
            ph[2 * l] = pa[n / 2 + l]; ph[2 * l + 1] = pb[n / 2 + l];
        }
        lo = Unsafe.Read<TV>(pl); hi = Unsafe.Read<TV>(ph);
    }

    /// <summary>Aᵀ·m for F(4×4, 3×3) (see <see cref="OutputRows4{TW, TV}"/>), on the shared terms a = m1 + m2 and b = m2 − m1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void At4<TW, TV>(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV y0, out TV y1, out TV y2, out TV y3)
        where TW : struct, ILanes<TV> where TV : struct
    {
        TV a = TW.Add(m1, m2), b = TW.Subtract(m2, m1);
        y0 = TW.Add(TW.Add(m0, a), TW.Add(m3, m4));
        y1 = TW.MultiplyAdd(TW.Broadcast(2f), m4, TW.MultiplyAdd(TW.Broadcast(-0.5f), m3, b));
        y2 = TW.MultiplyAdd(TW.Broadcast(4f), m4, TW.MultiplyAdd(TW.Broadcast(0.25f), m3, a));
        y3 = TW.Add(TW.MultiplyAdd(TW.Broadcast(8f), m4, TW.MultiplyAdd(TW.Broadcast(-0.125f), m3, b)), m5);
    }
}
