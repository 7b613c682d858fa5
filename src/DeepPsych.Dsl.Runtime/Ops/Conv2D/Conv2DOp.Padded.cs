using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DeepPsych.Dsl.Ops;

// The zero-padded input copy, its tap offsets and the compaction of the wide output, shared by the wide-GEMM and direct
// stride-1 kernels.
public static unsafe partial class Conv2DOp
{
    /// <summary>Copies one group's Cg input planes into a zero-padded (H + top + bottom) × (W + left + right) buffer, with a zeroed tail so shifted reads stay in bounds.</summary>
    private static float* PadInput(in Conv2DGeometry g, float* x, out int planeLength) => PadInput(g, 1, 0, x, out planeLength);

    /// <summary>
    /// The same for one group of <paramref name="samples"/> samples (input sample stride <paramref name="xStride"/>):
    /// sample n's Cg padded planes start at n·Cg·plane in the buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float* PadInput(in Conv2DGeometry g, int samples, int xStride, float* x, out int planeLength)
    {
        int Cg = g.InChannels / g.Groups, H = g.InHeight, W = g.InWidth, Hp = g.PaddedHeight, Wp = g.PaddedWidth;
        planeLength = Hp * Wp;
        int slack = (g.KernelW - 1) * g.DilationW + 3 * 16;   // the direct path reads up to 47 floats past the last wide pixel
        int perSample = Cg * planeLength;
        long total = (long)samples * perSample + slack;
        float* xp = Scratch.Get(Scratch.Padded, total);
        for (int n = 0; n < samples; n++)
        {
            float* xs = x + (nint)n * xStride, xps = xp + (nint)n * perSample;
            if (g.Unpadded)
                Gemm.Copy(xs, xps, perSample);
            else
            {
                new Span<float>(xps, perSample).Clear();
                for (int c = 0; c < Cg; c++)
                    for (int ih = 0; ih < H; ih++)
                        Gemm.Copy(xs + ((nint)c * H + ih) * W, xps + (nint)c * planeLength + (nint)(ih + g.PadH) * Wp + g.PadW, W);
            }
        }
        new Span<float>(xp + (nint)samples * perSample, slack).Clear();
        return xp;
    }


    /// <summary>
    /// Fills <paramref name="offsets"/>[k] with where tap k = (c, kh, kw) reads in the zero-padded input: c·plane + kh·dh·Wp + kw·dw.
    /// With the output computed on the padded width ("wide" pixel j = oh·Wp + ow), tap k of wide pixel j reads xp[offsets[k] + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TapOffsets(in Conv2DGeometry g, int plane, Span<int> offsets)
    {
        int Cg = g.InChannels / g.Groups, KH = g.KernelH, KW = g.KernelW, rowStep = g.DilationH * g.PaddedWidth, colStep = g.DilationW, k = 0;
        for (int c = 0; c < Cg; c++)
            for (int kh = 0; kh < KH; kh++)
                for (int kw = 0; kw < KW; kw++)
                    offsets[k++] = c * plane + kh * rowStep + kw * colStep;
    }

    /// <summary>Floats a wide output buffer needs past its last channel: <see cref="CompactWide"/> loads whole vectors from a
    /// row's last outputs on.</summary>
    private const int WideSlack = 16;

    /// <summary>
    /// Compacts the wide output yw (channel o's pixel (oh, ow) at o·<paramref name="len"/> + oh·Wp + ow) into y (o·OH·OW +
    /// oh·OW + ow), dropping the Wp − OW padding columns of each row: y = f(yw) with the activation f (<see cref="Act.None"/>:
    /// a copy), or with <paramref name="accumulate"/> y += yw (no activation). yw needs <see cref="WideSlack"/> floats past
    /// its last channel.
    /// </summary>
    private static void CompactWide(float* yw, int len, int Wp, float* y, int Og, int OH, int OW, Act act, float slope, bool accumulate)
    {
        if (accumulate)
        {
            for (int o = 0; o < Og; o++)
                for (int oh = 0; oh < OH; oh++)
                    Gemm.AddTo(yw + (nint)o * len + (nint)oh * Wp, y + ((nint)o * OH + oh) * OW, OW);
            return;
        }
        switch (Simd.Width)
        {
            case 512: { var k = new Compaction<Lanes512, Vector512<float>>(yw, len, Wp, y, Og, OH, OW, slope); ActivationOp.Run(act, ref k); break; }
            case 256: { var k = new Compaction<Lanes256, Vector256<float>>(yw, len, Wp, y, Og, OH, OW, slope); ActivationOp.Run(act, ref k); break; }
            default: { var k = new Compaction<Lanes128, Vector128<float>>(yw, len, Wp, y, Og, OH, OW, slope); ActivationOp.Run(act, ref k); break; }
        }
    }

    /// <summary><see cref="CompactWide{TW, TV, TA}"/> compiled once per activation.</summary>
    private struct Compaction<TW, TV>(float* yw, int len, int Wp, float* y, int Og, int OH, int OW, float slope) : ActivationOp.IActivationKernel
        where TW : struct, ILanes<TV> where TV : struct
    {
        public void Run<TA>() where TA : struct, ActivationOp.IActivation => CompactWide<TW, TV, TA>(yw, len, Wp, y, Og, OH, OW, slope);
    }

    /// <summary>
    /// <see cref="CompactWide"/> without accumulation, in whole vectors, the activation TA's: a row's last vector may run past
    /// its OW outputs into the rows after it, which later stores overwrite (rows are written in increasing order), so a
    /// 10-wide row takes one AVX-512 store rather than a vector and a scalar tail. Only a store that would leave y ends in scalars.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: optimised at first call, not after tier-0 timing
    private static void CompactWide<TW, TV, TA>(float* yw, int len, int Wp, float* y, int Og, int OH, int OW, float slope)
        where TW : struct, ILanes<TV> where TV : struct where TA : struct, ActivationOp.IActivation
    {
        Act act = TA.Value;
        int W = TW.Count;
        float* yEnd = y + (nint)Og * OH * OW;
        for (int o = 0; o < Og; o++)
            for (int oh = 0; oh < OH; oh++)
            {
                float* s = yw + (nint)o * len + (nint)oh * Wp, d = y + ((nint)o * OH + oh) * OW;
                int ow = 0;
                for (; ow < OW && d + ow + W <= yEnd; ow += W) TW.Store(ActivationOp.Apply<TW, TV>(act, TW.Load(s + ow), slope), d + ow);
                for (; ow < OW; ow++) d[ow] = ActivationOp.Apply(act, s[ow], slope);
            }
    }
}
