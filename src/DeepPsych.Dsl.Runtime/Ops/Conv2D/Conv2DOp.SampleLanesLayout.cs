using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

// The sample-lane layout ([channel, row, column, sample]) of Conv2DOp.SampleLanes.cs: a block of samples into it and back
// out, by L × L transposes in registers.
public static unsafe partial class Conv2DOp
{
    /// <summary>
    /// The zero-padded inputs of <paramref name="L"/> samples (sample stride InputLength, one group) with the samples in the
    /// lanes: xl[((c·Hp + top + ih)·Wp + left + iw)·L + n] = x[n, c, ih, iw], zeros in the padding; L inputs of the L samples
    /// at a time by a transpose in registers (<see cref="TransposeSquare"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ToSampleLanes(in Conv2DGeometry g, float* x, int L, float* xl)
    {
        int C = g.InChannels, H = g.InHeight, W = g.InWidth, Hp = g.PaddedHeight, Wp = g.PaddedWidth, top = g.PadH, left = g.PadW;
        int length = g.InputLength, i = 0;
        if (!g.Unpadded) new Span<float>(xl, C * Hp * Wp * L).Clear();
        int* rows = stackalloc int[16];
        int c = 0, ih = 0, iw = 0;   // where element i sits
        if (TransposesInRegisters(L))
            for (; i + L <= length; i += L)
            {
                for (int j = 0; j < L; j++)
                {
                    rows[j] = ((c * Hp + top + ih) * Wp + left + iw) * L;
                    if (++iw == W) { iw = 0; if (++ih == H) { ih = 0; c++; } }
                }
                TransposeSquare(L, x + i, length, xl, rows, 0, accumulate: false);
            }
        for (; i < length; i++)
        {
            float* d = xl + ((c * Hp + top + ih) * Wp + left + iw) * L;
            for (int n = 0; n < L; n++) d[n] = x[(nint)n * length + i];
            if (++iw == W) { iw = 0; if (++ih == H) { ih = 0; c++; } }
        }
    }

    /// <summary>y[n·length + i] = yl[i·L + n] (or += with <paramref name="accumulate"/>) for the L samples n and i ∈ [0, length);
    /// L elements at a time by a transpose in registers (<see cref="TransposeSquare"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FromSampleLanes(float* yl, int length, int L, float* y, bool accumulate)
    {
        int i = 0;
        if (TransposesInRegisters(L))
            for (; i + L <= length; i += L) TransposeSquare(L, yl + (nint)i * L, L, y + i, null, length, accumulate);
        for (; i < length; i++)
        {
            float* s = yl + (nint)i * L;
            if (accumulate) for (int n = 0; n < L; n++) y[(nint)n * length + i] += s[n];
            else for (int n = 0; n < L; n++) y[(nint)n * length + i] = s[n];
        }
    }

    /// <summary>Whether <see cref="TransposeSquare"/> has an L × L register transpose (x86; other hosts copy lane by lane).</summary>
    private static bool TransposesInRegisters(int L) => L == 16 ? Avx512F.IsSupported : L == 8 ? Avx.IsSupported : Sse.IsSupported;

    /// <summary>An L × L transpose (<see cref="Transpose16"/>, <see cref="Transpose8"/>, <see cref="Transpose4"/>).</summary>
    private static void TransposeSquare(int L, float* s, nint sStride, float* d, int* dRows, nint dStride, bool accumulate)
    {
        if (L == 16) Transpose16(s, sStride, d, dRows, dStride, accumulate);
        else if (L == 8) Transpose8(s, sStride, d, dRows, dStride, accumulate);
        else Transpose4(s, sStride, d, dRows, dStride, accumulate);
    }

    /// <summary>
    /// A 16 × 16 transpose in registers: row j of the result (column j of the 16 rows s + r·<paramref name="sStride"/>) goes to
    /// d + <paramref name="dRows"/>[j], or d + j·<paramref name="dStride"/> without dRows; stored, or added with
    /// <paramref name="accumulate"/>. Four rounds swap ever smaller off-diagonal blocks (8, 4, 2, 1 wide) between row pairs,
    /// two two-source permutes per pair.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose16(float* s, nint sStride, float* d, int* dRows, nint dStride, bool accumulate)
    {
        Vector512<float> r0 = Vector512.Load(s), r1 = Vector512.Load(s + sStride), r2 = Vector512.Load(s + 2 * sStride), r3 = Vector512.Load(s + 3 * sStride);
        Vector512<float> r4 = Vector512.Load(s + 4 * sStride), r5 = Vector512.Load(s + 5 * sStride), r6 = Vector512.Load(s + 6 * sStride), r7 = Vector512.Load(s + 7 * sStride);
        Vector512<float> r8 = Vector512.Load(s + 8 * sStride), r9 = Vector512.Load(s + 9 * sStride), r10 = Vector512.Load(s + 10 * sStride), r11 = Vector512.Load(s + 11 * sStride);
        Vector512<float> r12 = Vector512.Load(s + 12 * sStride), r13 = Vector512.Load(s + 13 * sStride), r14 = Vector512.Load(s + 14 * sStride), r15 = Vector512.Load(s + 15 * sStride);
        SwapBlocks(8, ref r0, ref r8); SwapBlocks(8, ref r1, ref r9); SwapBlocks(8, ref r2, ref r10); SwapBlocks(8, ref r3, ref r11);
        SwapBlocks(8, ref r4, ref r12); SwapBlocks(8, ref r5, ref r13); SwapBlocks(8, ref r6, ref r14); SwapBlocks(8, ref r7, ref r15);
        SwapBlocks(4, ref r0, ref r4); SwapBlocks(4, ref r1, ref r5); SwapBlocks(4, ref r2, ref r6); SwapBlocks(4, ref r3, ref r7);
        SwapBlocks(4, ref r8, ref r12); SwapBlocks(4, ref r9, ref r13); SwapBlocks(4, ref r10, ref r14); SwapBlocks(4, ref r11, ref r15);
        SwapBlocks(2, ref r0, ref r2); SwapBlocks(2, ref r1, ref r3); SwapBlocks(2, ref r4, ref r6); SwapBlocks(2, ref r5, ref r7);
        SwapBlocks(2, ref r8, ref r10); SwapBlocks(2, ref r9, ref r11); SwapBlocks(2, ref r12, ref r14); SwapBlocks(2, ref r13, ref r15);
        SwapBlocks(1, ref r0, ref r1); SwapBlocks(1, ref r2, ref r3); SwapBlocks(1, ref r4, ref r5); SwapBlocks(1, ref r6, ref r7);
        SwapBlocks(1, ref r8, ref r9); SwapBlocks(1, ref r10, ref r11); SwapBlocks(1, ref r12, ref r13); SwapBlocks(1, ref r14, ref r15);
        Put(r0, 0); Put(r1, 1); Put(r2, 2); Put(r3, 3); Put(r4, 4); Put(r5, 5); Put(r6, 6); Put(r7, 7);
        Put(r8, 8); Put(r9, 9); Put(r10, 10); Put(r11, 11); Put(r12, 12); Put(r13, 13); Put(r14, 14); Put(r15, 15);

        void Put(Vector512<float> v, int j) => PutTransposedRow<Lanes512, Vector512<float>>(v, j, d, dRows, dStride, accumulate);
    }

    /// <summary><see cref="Transpose16"/> for 8 × 8 with AVX (<see cref="RegisterTranspose.Transpose8x8"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose8(float* s, nint sStride, float* d, int* dRows, nint dStride, bool accumulate)
    {
        Vector256<float> r0 = Vector256.Load(s), r1 = Vector256.Load(s + sStride), r2 = Vector256.Load(s + 2 * sStride), r3 = Vector256.Load(s + 3 * sStride);
        Vector256<float> r4 = Vector256.Load(s + 4 * sStride), r5 = Vector256.Load(s + 5 * sStride), r6 = Vector256.Load(s + 6 * sStride), r7 = Vector256.Load(s + 7 * sStride);
        RegisterTranspose.Transpose8x8(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Put(r0, 0); Put(r1, 1); Put(r2, 2); Put(r3, 3); Put(r4, 4); Put(r5, 5); Put(r6, 6); Put(r7, 7);

        void Put(Vector256<float> v, int j) => PutTransposedRow<Lanes256, Vector256<float>>(v, j, d, dRows, dStride, accumulate);
    }

    /// <summary><see cref="Transpose16"/> for 4 × 4 with SSE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose4(float* s, nint sStride, float* d, int* dRows, nint dStride, bool accumulate)
    {
        Vector128<float> r0 = Vector128.Load(s), r1 = Vector128.Load(s + sStride), r2 = Vector128.Load(s + 2 * sStride), r3 = Vector128.Load(s + 3 * sStride);
        Vector128<float> t0 = Sse.UnpackLow(r0, r1), t1 = Sse.UnpackHigh(r0, r1), t2 = Sse.UnpackLow(r2, r3), t3 = Sse.UnpackHigh(r2, r3);
        Put(Sse.MoveLowToHigh(t0, t2), 0); Put(Sse.MoveHighToLow(t2, t0), 1); Put(Sse.MoveLowToHigh(t1, t3), 2); Put(Sse.MoveHighToLow(t3, t1), 3);

        void Put(Vector128<float> v, int j) => PutTransposedRow<Lanes128, Vector128<float>>(v, j, d, dRows, dStride, accumulate);
    }

    /// <summary>Row j of a transpose's result to d + dRows[j] (or d + j·dStride without dRows), stored or added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutTransposedRow<TW, TV>(TV v, int j, float* d, int* dRows, nint dStride, bool accumulate)
        where TW : struct, ILanes<TV> where TV : struct
    {
        float* p = dRows != null ? d + dRows[j] : d + j * dStride;
        TW.Store(accumulate ? TW.Add(TW.Load(p), v) : v, p);
    }

    /// <summary>
    /// One round of <see cref="Transpose16"/> on rows a and b = a's row + h: in every 2h-wide block, a keeps its first h
    /// lanes and takes b's first h, b takes a's last h and keeps its own last h.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SwapBlocks(int h, ref Vector512<float> a, ref Vector512<float> b)
    {
        // Lane j of the new a: a[j] in the first half of its block, else b[j − h] (index 16 + j − h of the pair); of the new b:
        // a[j + h] in the first half, else b[j].
        Vector512<int> ia, ib;
        switch (h)
        {
            case 8: ia = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23); ib = Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31); break;
            case 4: ia = Vector512.Create(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27); ib = Vector512.Create(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31); break;
            case 2: ia = Vector512.Create(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29); ib = Vector512.Create(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31); break;
            default: ia = Vector512.Create(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30); ib = Vector512.Create(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31); break;
        }
        var na = Avx512F.PermuteVar16x32x2(a, ia, b);
        b = Avx512F.PermuteVar16x32x2(a, ib, b);
        a = na;
    }
}
