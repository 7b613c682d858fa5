using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Max pooling (PyTorch semantics: padded positions are −∞, NaN propagates; ceil_mode and per-side padding from the geometry). Forward records, per output element, the
/// flat index of the winning input element within its sample (c·H·W + ih·W + iw) — like convnet.js's switchx/switchy —
/// which is all backward needs.
/// </summary>
public static unsafe partial class MaxPool2DOp
{
    /// <summary>y[n, c, oh, ow] = max over the window of x[n, c, oh·s − p + i, ow·s − p + j]; argmax = where it was (first on ties).
    /// An empty <paramref name="argmax"/> skips the switches (inference: only backward reads them); y is the same.</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="x">Input, N × C × H × W.</param>
    /// <param name="y">Output, N × C × OH × OW (overwritten).</param>
    /// <param name="argmax">Per output element, the winner's index within its sample's input (overwritten; kept for backward), or empty.</param>
    /// <exception cref="ArgumentException">Invalid geometry or a span of the wrong length.</exception>
    public static void Forward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> x, Span<float> y, Span<int> argmax)
    {
        const string op = "MaxPool2DOp.Forward";
        g.CheckLengths(op, batch, x.Length, "x", y.Length, "y");
        if (!argmax.IsEmpty && argmax.Length != y.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but y has {y.Length} (pass an empty span for no switches).");
        fixed (float* px = x) fixed (float* py = y) fixed (int* pa = argmax)
        {
            // LeNet's 2×2/2 tiling windows (no padding, none past the input) with AVX-512 / AVX2: 16 / 8 outputs per step from
            // pairs of loads. Any other window: vectorised along each output row over a −∞-padded copy of the plane.
            bool pairs = g.KernelH == 2 && g.KernelW == 2 && g.StrideH == 2 && g.StrideW == 2 && g.PadH == 0 && g.PadW == 0
                         && g.OutHeight * 2 <= g.InHeight && g.OutWidth * 2 <= g.InWidth;
            if (pairs && Avx512F.IsSupported) Forward2x2<Pairs512, Vector512<float>, Vector512<int>>(g, batch, px, x.Length, py, pa, y.Length);
            else if (pairs && Avx2.IsSupported) Forward2x2<Pairs256, Vector256<float>, Vector256<int>>(g, batch, px, x.Length, py, pa, y.Length);
            else ForwardPadded(g, batch, px, py, pa);
        }
    }

    /// <summary><see cref="Forward2x2{TW, TF, TI, TK}"/> with switches, or without them when <paramref name="argmax"/> is null.</summary>
    private static void Forward2x2<TW, TF, TI>(in Pool2DGeometry g, int batch, float* x, int xLength, float* y, int* argmax, int yLength)
        where TW : struct, IPairLanes<TF, TI> where TF : struct where TI : struct
    {
        if (argmax != null) Forward2x2<TW, TF, TI, Switches>(g, batch, x, xLength, y, argmax, yLength);
        else Forward2x2<TW, TF, TI, NoSwitches>(g, batch, x, xLength, y, null, yLength);
    }

    /// <summary>
    /// 2×2 stride-2 windows, no padding, one output row's outputs <c>TW.Count</c> at a step (16 with AVX-512, 8 with AVX2).
    /// Two loads per input row cover 2·Count input columns, which <see cref="IPairLanes{TF, TI}.LoadColumns"/> splits into the
    /// even (left) and odd (right) window columns. The four candidates are then combined in the scalar scan's order
    /// (top-left, top-right, bottom-left, bottom-right) with the same rule: take v if v &gt; best, or v is NaN and best is not —
    /// so the first maximum, or the first NaN, wins, as in the scalar path.
    /// </summary>
    /// <remarks>
    /// A step whose row has fewer than Count outputs left still stores Count lanes: the extra lanes land on outputs that a later
    /// step (same or following row, channel or sample — outputs are produced in increasing order) overwrites. Only where the
    /// 2·Count-column loads or the Count-lane stores would leave the tensors does the step fall back to scalar code.
    /// Without switches (TK = <see cref="NoSwitches"/>, argmax null) the same rule picks the same values, with no indices.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot SIMD kernel: compiled optimised at once, not after tier-0 timing
    private static void Forward2x2<TW, TF, TI, TK>(in Pool2DGeometry g, int batch, float* x, int xLength, float* y, int* argmax, int yLength)
        where TW : struct, IPairLanes<TF, TI> where TF : struct where TI : struct where TK : struct, ISwitches
    {
        int C = g.Channels, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth, count = TW.Count;
        bool keep = TK.Keep;
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            float* xs = x + (nint)n * g.InputLength;
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                {
                    int rowStart = (c * H + 2 * oh) * W;   // within-sample index of the top row's first element
                    for (int ow0 = 0; ow0 < OW; ow0 += count)
                    {
                        int i0 = rowStart + 2 * ow0;
                        int lanes = Math.Min(count, OW - ow0);
                        if ((long)n * g.InputLength + i0 + W + 2 * count > xLength || o + count > yLength)
                        {
                            // Tail at the very end of the tensors: scalar, same rule.
                            for (int t = 0; t < lanes; t++)
                            {
                                Best2x2(xs, i0 + 2 * t, W, out y[o + t], out int at0);
                                if (keep) argmax[o + t] = at0;
                            }
                            o += lanes;
                            continue;
                        }
                        float* top = xs + i0;
                        TW.LoadColumns(top, out var best, out var topRight);          // best starts at the top-left
                        TW.LoadColumns(top + W, out var bottomLeft, out var bottomRight);
                        if (keep)
                        {
                            var at = TW.LeftColumns(i0);                               // window indices per lane
                            TW.Take(ref best, ref at, topRight, TW.LeftColumns(i0 + 1));
                            TW.Take(ref best, ref at, bottomLeft, TW.LeftColumns(i0 + W));
                            TW.Take(ref best, ref at, bottomRight, TW.LeftColumns(i0 + W + 1));
                            TW.Store(best, at, y + o, argmax + o);
                        }
                        else
                        {
                            TW.Take(ref best, topRight);
                            TW.Take(ref best, bottomLeft);
                            TW.Take(ref best, bottomRight);
                            TW.Store(best, y + o);
                        }
                        o += lanes;
                    }
                }
        }
    }

    /// <summary>Whether <see cref="Forward2x2{TW, TF, TI, TK}"/> records the switches (a compile-time constant per instantiation).</summary>
    private interface ISwitches { static abstract bool Keep { get; } }
    private readonly struct Switches : ISwitches { public static bool Keep => true; }
    private readonly struct NoSwitches : ISwitches { public static bool Keep => false; }

    /// <summary>What <see cref="Forward2x2{TW, TF, TI, TK}"/> needs at one vector width: float vectors <typeparamref name="TF"/>
    /// and int vectors <typeparamref name="TI"/> of <see cref="Count"/> lanes.</summary>
    private interface IPairLanes<TF, TI> where TF : struct where TI : struct
    {
        /// <summary>Outputs per step.</summary>
        static abstract int Count { get; }
        /// <summary>Loads 2·Count consecutive floats at p; left = the even ones, right = the odd ones, in order.</summary>
        static abstract void LoadColumns(float* p, out TF left, out TF right);
        /// <summary>Per lane l: first + 2·l (the indices of the columns <see cref="LoadColumns"/> calls left, from first).</summary>
        static abstract TI LeftColumns(int first);
        /// <summary>Per lane: if v &gt; best, or v is NaN and best is not, then best = v and at = iv.</summary>
        static abstract void Take(ref TF best, ref TI at, TF v, TI iv);
        /// <summary>The same without indices.</summary>
        static abstract void Take(ref TF best, TF v);
        static abstract void Store(TF best, TI at, float* y, int* argmax);
        static abstract void Store(TF best, float* y);
    }

    /// <summary>AVX-512: vpermt2ps picks the even and the odd columns out of the two loads.</summary>
    private readonly struct Pairs512 : IPairLanes<Vector512<float>, Vector512<int>>
    {
        public static int Count => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadColumns(float* p, out Vector512<float> left, out Vector512<float> right)
        {
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var v0 = Vector512.Load(p); var v1 = Vector512.Load(p + 16);
            left = Avx512F.PermuteVar16x32x2(v0, even, v1);
            right = Avx512F.PermuteVar16x32x2(v0, even + Vector512<int>.One, v1);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> LeftColumns(int first) => Vector512.Create(first) + Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(ref Vector512<float> best, ref Vector512<int> at, Vector512<float> v, Vector512<int> iv)
        {
            var take = Wins(best, v);
            best = Vector512.ConditionalSelect(take, v, best);
            at = Vector512.ConditionalSelect(take.AsInt32(), iv, at);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(ref Vector512<float> best, Vector512<float> v) => best = Vector512.ConditionalSelect(Wins(best, v), v, best);

        /// <summary>The lanes where v takes over: v &gt; best, or v is NaN and best is not.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<float> Wins(Vector512<float> best, Vector512<float> v)
            => Vector512.GreaterThan(v, best) | Vector512.AndNot(Vector512.Equals(best, best), Vector512.Equals(v, v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> best, Vector512<int> at, float* y, int* argmax) { Vector512.Store(best, y); Vector512.Store(at, argmax); }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector512<float> best, float* y) => Vector512.Store(best, y);
    }

    /// <summary>AVX2: vpermps moves each load's even columns to its low half and odd columns to its high half, and vperm2f128
    /// joins the two loads' halves into the 8 left and the 8 right columns.</summary>
    private readonly struct Pairs256 : IPairLanes<Vector256<float>, Vector256<int>>
    {
        public static int Count => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void LoadColumns(float* p, out Vector256<float> left, out Vector256<float> right)
        {
            var split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            var v0 = Avx2.PermuteVar8x32(Vector256.Load(p), split); var v1 = Avx2.PermuteVar8x32(Vector256.Load(p + 8), split);
            left = Avx.Permute2x128(v0, v1, 0x20);    // both loads' low halves
            right = Avx.Permute2x128(v0, v1, 0x31);   // high halves
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> LeftColumns(int first) => Vector256.Create(first) + Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(ref Vector256<float> best, ref Vector256<int> at, Vector256<float> v, Vector256<int> iv)
        {
            var take = Wins(best, v);
            best = Vector256.ConditionalSelect(take, v, best);
            at = Vector256.ConditionalSelect(take.AsInt32(), iv, at);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Take(ref Vector256<float> best, Vector256<float> v) => best = Vector256.ConditionalSelect(Wins(best, v), v, best);

        /// <summary>The lanes where v takes over: v &gt; best, or v is NaN and best is not.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector256<float> Wins(Vector256<float> best, Vector256<float> v)
            => Vector256.GreaterThan(v, best) | Vector256.AndNot(Vector256.Equals(best, best), Vector256.Equals(v, v));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> best, Vector256<int> at, float* y, int* argmax) { Vector256.Store(best, y); Vector256.Store(at, argmax); }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector256<float> best, float* y) => Vector256.Store(best, y);
    }

    /// <summary>Scalar 2×2 window at within-sample index i (top-left), row length w, scanned row-major.</summary>
    private static void Best2x2(float* xs, int i, int w, out float best, out int at)
    {
        best = xs[i]; at = i;
        ReadOnlySpan<int> offsets = [1, w, w + 1];
        foreach (int d in offsets)
        {
            float v = xs[i + d];
            if (v > best || (float.IsNaN(v) && !float.IsNaN(best))) { best = v; at = i + d; }
        }
    }

    /// <summary>dx[n, argmax[n, c, oh, ow]] += dy[n, c, oh, ow] (accumulates).</summary>
    /// <param name="g">Geometry of one sample.</param>
    /// <param name="batch">Number of samples N.</param>
    /// <param name="dy">Output gradient, N × C × OH × OW.</param>
    /// <param name="argmax">What <see cref="Forward"/> recorded.</param>
    /// <param name="dx">Input gradient, N × C × H × W (accumulated).</param>
    /// <exception cref="ArgumentException">Invalid geometry, a span of the wrong length, or an argmax outside its sample.</exception>
    public static void Backward(in Pool2DGeometry g, int batch, ReadOnlySpan<float> dy, ReadOnlySpan<int> argmax, Span<float> dx)
    {
        const string op = "MaxPool2DOp.Backward";
        g.CheckLengths(op, batch, dx.Length, "dx", dy.Length, "dy");
        if (argmax.Length != dy.Length) throw new ArgumentException($"{op}: argmax has {argmax.Length} elements but dy has {dy.Length}.");
        int inLen = g.InputLength, outLen = g.OutputLength;
        for (int n = 0; n < batch; n++)
        {
            var dxs = dx.Slice(n * inLen, inLen);   // the slice bounds-checks every argmax against its own sample
            for (int i = n * outLen, end = i + outLen; i < end; i++)
                dxs[argmax[i]] += dy[i];
        }
    }
}
