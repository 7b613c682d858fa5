using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

// Winograd F(2×2, 3×3)'s tile transforms, shared by the forward and the weight gradient: the input windows (Bᵀ·d·B), the
// products back to outputs (Aᵀ·M·A), and the even/odd column splits and interleaves they read and write rows through.
public static unsafe partial class Conv2DOp
{
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

        /// <summary>V_e[c, t] for tile rows [r0, r0 + rows), t = (q − r0)·tilesW + tw, each row of V <paramref name="ld"/> floats,
        /// V_e at v + e·<paramref name="eStride"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        public void Transform(int r0, int rows, float* v, int ld, long eStride)
        {
            if (RowStride != TilesW) { TransformNarrow(r0, rows, v, ld, eStride); return; }
            int cg = _g.InChannels / _g.Groups, tw = TilesW, run = WinogradRun(tw), rowFloats = WinogradRowFloats(tw);
            float* slots = Scratch.Get(Scratch.WinogradRuns, 8L * run + rowFloats);
            float* line = slots + 8L * run;
            float** window = stackalloc float*[4];
            PrepareLine(line);   // GatherRow writes only the input's columns: the zeros around them serve every channel
            int s0 = r0 / TilesH, th0 = r0 - s0 * TilesH;   // tile row r0's sample and row; the loops below count on from them
            for (int c = 0; c < cg; c++)
            {
                int previous = -1;
                for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, TilesH))
                {
                    int q = r0 + r;
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
                    if (c + 1 < cg)
                    {
                        int first = Math.Max(0, 2 * th + fresh - _g.PadH), end = Math.Min(_g.InHeight, 2 * th + 4 - _g.PadH);
                        PrefetchRows(plane + ((long)_g.InHeight + first) * _g.InWidth, end - first, _g.InWidth);
                    }
                    previous = q;
                    InputTransform(window, run, tw, v + (long)c * ld + r * tw, eStride);
                }
            }
        }

        /// <summary>The narrow-map <see cref="Transform"/>: each input row i of the block's windows gathered into one run per
        /// row offset, tile row after tile row (<see cref="RowStride"/> apart), then one transform over the whole block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
        private void TransformNarrow(int r0, int rows, float* v, int ld, long eStride)
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
            PrepareLine(line);
            int s0 = r0 / TilesH, th0 = r0 - s0 * TilesH;
            for (int c = 0; c < cg; c++)
            {
                for (int r = 0, s = s0, th = th0; r < rows; r++, NextTileRow(ref s, ref th, TilesH))
                {
                    float* plane = _x + s * _xStride + (long)c * _g.InHeight * _g.InWidth;
                    for (int i = 0; i < 4; i++) GatherRow(plane, 2 * th + i - _g.PadH, line, window[i] + r * stride, window[i] + run + r * stride);
                }
                InputTransform(window, run, n, v + (long)c * ld, eStride);
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

    /// <summary>
    /// Asks the cache for <paramref name="count"/> rows of <paramref name="width"/> floats from <paramref name="row"/> on. The
    /// transforms ask for the next channel's rows of the tile row at hand, one channel ahead: each channel's rows are a short run
    /// of its plane (2.2 KiB for 4 tile rows of a 56-wide map), the planes 12.5 KiB apart, and the hardware prefetcher starts
    /// afresh at every run (`conv3x3_64` forward+backward, old and new interleaved over three rounds: 50–51 → 44–48 ms).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchRows(float* row, int count, int width)
    {
        if (!Sse.IsSupported || count <= 0) return;
        for (byte* p = (byte*)row, end = (byte*)(row + (long)count * width); p < end; p += 64) Sse.Prefetch0(p);
    }

    /// <summary>Steps (sample <paramref name="s"/>, tile row <paramref name="th"/>) to the next tile row of a block: the loops over a
    /// block's tile rows count instead of dividing (a division per channel and tile row cost about 3 % of a 64-channel block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void NextTileRow(ref int s, ref int th, int tilesH)
    {
        if (++th == tilesH) { th = 0; s++; }
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

    /// <summary>row[2l] = even[l], row[2l + 1] = odd[l] for l &lt; lanes: one output row of a vector of tiles; with
    /// <paramref name="add"/> added to the row's values instead (the input gradient accumulates).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Interleave(float* even, float* odd, float* row, bool add)
    {
        if (Simd.Width == 512)
        {
            var low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            var a = Vector512.Load(even); var b = Vector512.Load(odd);
            Vector512<float> r0 = Avx512F.PermuteVar16x32x2(a, low, b), r1 = Avx512F.PermuteVar16x32x2(a, low + Vector512.Create(8), b);
            if (add) { r0 += Vector512.Load(row); r1 += Vector512.Load(row + 16); }
            Vector512.Store(r0, row);
            Vector512.Store(r1, row + 16);
            return;
        }
        if (Simd.Width == 256 && Avx.IsSupported)
        {
            // vunpcklps / vunpckhps interleave within each 128-bit half; vperm2f128 puts the halves in order.
            var a = Vector256.Load(even); var b = Vector256.Load(odd);
            Vector256<float> low = Avx.UnpackLow(a, b), high = Avx.UnpackHigh(a, b);
            Vector256<float> r0 = Avx.Permute2x128(low, high, 0x20), r1 = Avx.Permute2x128(low, high, 0x31);
            if (add) { r0 += Vector256.Load(row); r1 += Vector256.Load(row + 8); }
            Vector256.Store(r0, row);
            Vector256.Store(r1, row + 8);
            return;
        }
        if (Simd.Width == 128 && Sse.IsSupported)
        {
            var a = Vector128.Load(even); var b = Vector128.Load(odd);
            Vector128<float> r0 = Sse.UnpackLow(a, b), r1 = Sse.UnpackHigh(a, b);
            if (add) { r0 += Vector128.Load(row); r1 += Vector128.Load(row + 4); }
            Vector128.Store(r0, row);
            Vector128.Store(r1, row + 4);
            return;
        }
        for (int l = 0; l < Simd.Width / 32; l++)
        {
            row[2 * l] = add ? row[2 * l] + even[l] : even[l];
            row[2 * l + 1] = add ? row[2 * l + 1] + odd[l] : odd[l];
        }
    }

    /// <summary><see cref="InputTransform{TW, TV}"/> at the vector width the machine takes.</summary>
    private static void InputTransform(float** window, int odd, int n, float* v, long eStride)
    {
        switch (Simd.Width)
        {
            case 512: InputTransform<Lanes512, Vector512<float>>(window, odd, n, v, eStride); break;
            case 256: InputTransform<Lanes256, Vector256<float>>(window, odd, n, v, eStride); break;
            default: InputTransform<Lanes128, Vector128<float>>(window, odd, n, v, eStride); break;
        }
    }

    /// <summary><see cref="OutputTransform{TW, TV}"/> at the vector width the machine takes.</summary>
    private static void OutputTransform(float* m, long eStride, float bias, float* tile, long tileStride)
    {
        switch (Simd.Width)
        {
            case 512: OutputTransform<Lanes512, Vector512<float>>(m, eStride, bias, tile, tileStride); break;
            case 256: OutputTransform<Lanes256, Vector256<float>>(m, eStride, bias, tile, tileStride); break;
            default: OutputTransform<Lanes128, Vector128<float>>(m, eStride, bias, tile, tileStride); break;
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
