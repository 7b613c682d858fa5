using System.Numerics;
using System.Runtime.CompilerServices;

namespace DeepPsych.Dsl.Ops;

// Max pooling for any window (padding, ceil mode, stride 1 or more), vectorised along the output row.
public static unsafe partial class MaxPool2DOp
{
    /// <summary>
    /// Any window: each input plane is copied into a buffer whose border is −∞ (the padding, and any window that ceil mode
    /// lets stick out), wide and tall enough that every lane of every output row's vectors reads inside it (with stride > 1,
    /// split into phases so that a window column of consecutive outputs is contiguous). Then per output
    /// row, <see cref="Vector{T}.Count"/> outputs at a time, the window's elements are visited row-major and each lane takes
    /// v when v &gt; best, or v is NaN and best is not: the first maximum or the first NaN wins, as PyTorch's scan, and a −∞
    /// of the padding never wins. A lane's argmax starts at its window's first element inside the input, which is where it
    /// stays if every value there is −∞.
    /// </summary>
    /// <remarks>Before this path the same scan ran one output at a time with data-dependent branches: 29–41 ns an output
    /// (8 ms for ResNet-18's 3×3/2 pool at batch 1).</remarks>
    private static void ForwardPadded(in Pool2DGeometry g, int batch, float* x, float* y, int* argmax)
    {
        // A single shard with spare threads (batch 1): the planes split over them.
        int planes = batch * g.Channels, threads = Execution.WorkerPool.IntraOpThreads;
        var work = new PaddedPlanes(g, x, y, argmax, planes);
        if (threads > 1 && (long)planes * g.OutputLength / g.Channels >= ParallelMinOutputs) Execution.WorkerPool.RunIntraOp(threads, work);
        else work.Run(0, 1);
    }

    /// <summary>Smallest output (elements) whose planes split across threads: about 0.1 ms on one core.</summary>
    private const long ParallelMinOutputs = 1 << 15;

    /// <summary>The planes [0, planes) split into near-equal runs, one per part.</summary>
    private readonly struct PaddedPlanes(Pool2DGeometry g, float* x, float* y, int* argmax, int planes) : Execution.IParts
    {
        public void Run(int part, int parts)
        {
            int first = Execution.Shards.Start(planes, parts, part);
            ForwardPadded(g, first, first + Execution.Shards.Length(planes, parts, part), x, y, argmax);
        }
    }

    /// <summary>Planes [<paramref name="planeBegin"/>, <paramref name="planeEnd"/>) of the batch (plane = n·C + c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // hot loop: compiled optimised at once, not after tier-0 timing
    private static void ForwardPadded(in Pool2DGeometry g, int planeBegin, int planeEnd, float* x, float* y, int* argmax)
    {
        int C = g.Channels, H = g.InHeight, W = g.InWidth, OH = g.OutHeight, OW = g.OutWidth;
        int KH = g.KernelH, KW = g.KernelW, SH = g.StrideH, SW = g.StrideW, PH = g.PadH, PW = g.PadW;
        int lanes = Vector<float>.Count, owPad = (OW + lanes - 1) / lanes * lanes;
        // The padded plane: input row ih at padded row PH + ih, column iw at PW + iw; −∞ elsewhere.
        int Wp = Math.Max((owPad - 1) * SW + KW, PW + W), Hp = Math.Max((OH - 1) * SH + KH, PH + H);
        // With stride SW > 1, each padded row is also split into SW phases of Wq columns (phase f holds columns f, f + SW, …),
        // so the window column j of SW consecutive outputs is contiguous: phase j mod SW from column ⌊j / SW⌋.
        int Wq = SW == 1 ? 0 : owPad + (KW - 1) / SW + 1;
        float* xp = Scratch.Get(Scratch.PoolPadded, (long)Hp * Wp + (long)Hp * SW * Wq + owPad);
        float* xq = xp + (long)Hp * Wp;
        float* tail = xq + (long)Hp * SW * Wq;        // a row's last, partial vector of outputs before it is stored
        new Span<float>(xp, Hp * Wp).Fill(float.NegativeInfinity);   // the border; each plane overwrites only the inside
        var laneColumns = LaneIndices() * SW - new Vector<int>(PW);   // window's left input column, less the lane's step
        // Where window column j of a row's outputs starts, from the row's start in xp (stride 1) or xq (its phases).
        float* rows = SW == 1 ? xp : xq;
        int rowLength = SW == 1 ? Wp : SW * Wq;
        int* columnStart = stackalloc int[KW];
        for (int j = 0; j < KW; j++) columnStart[j] = SW == 1 ? j : j % SW * Wq + j / SW;
        int planeLength = H * W;
        for (int plane = planeBegin; plane < planeEnd; plane++)
        {
            float* xs = x + (nint)plane * planeLength;
            for (int ih = 0; ih < H; ih++) Gemm.Copy(xs + ih * W, xp + (nint)(PH + ih) * Wp + PW, W);
            if (SW > 1) SplitPhases(xp, Hp, Wp, SW, Wq, xq);
            float* yp = y + (nint)plane * OH * OW;
            int* ap = argmax == null ? null : argmax + (nint)plane * OH * OW;   // null: no switches
            int first = plane % C * planeLength;      // argmax indexes the sample: c·H·W + ih·W + iw
            for (int oh = 0; oh < OH; oh++)
            {
                int top = oh * SH - PH;               // the window's first input row (may be in the padding)
                for (int ow0 = 0; ow0 < OW; ow0 += lanes)
                {
                    var left = laneColumns + new Vector<int>(ow0 * SW);   // per lane: ow·SW − PW
                    var best = new Vector<float>(float.NegativeInfinity);
                    var at = Vector.Max(left, Vector<int>.Zero) + new Vector<int>(Math.Max(top, 0) * W + first);
                    for (int i = 0; i < KH; i++)
                    {
                        float* row = rows + (nint)(oh * SH + i) * rowLength + ow0;
                        var rowIndex = left + new Vector<int>((top + i) * W + first);
                        for (int j = 0; j < KW; j++)
                        {
                            var v = Unsafe.ReadUnaligned<Vector<float>>(row + columnStart[j]);
                            var take = Vector.GreaterThan(v, best) | Vector.AndNot(Vector.Equals(best, best), Vector.Equals(v, v));
                            best = Vector.ConditionalSelect(take, v, best);
                            at = Vector.ConditionalSelect(take, rowIndex + new Vector<int>(j), at);
                        }
                    }
                    int count = Math.Min(lanes, OW - ow0);
                    float* yo = yp + oh * OW + ow0;
                    int* ao = ap == null ? null : ap + oh * OW + ow0;
                    if (count == lanes)
                    {
                        Unsafe.WriteUnaligned(yo, best);
                        if (ao != null) Unsafe.WriteUnaligned(ao, at);
                    }
                    else
                    {
                        Unsafe.WriteUnaligned(tail, best);
                        for (int l = 0; l < count; l++) { yo[l] = tail[l]; if (ao != null) ao[l] = at[l]; }
                    }
                }
            }
        }
    }

    /// <summary>dst[(r·s + f)·wq + t] = src[r·wp + t·s + f] (−∞ past the row): each of the rows split into its s phases.</summary>
    private static void SplitPhases(float* src, int rows, int wp, int s, int wq, float* dst)
    {
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < s; f++)
            {
                float* d = dst + ((nint)r * s + f) * wq, row = src + (nint)r * wp;
                for (int t = 0; t < wq; t++)
                {
                    int col = t * s + f;
                    d[t] = col < wp ? row[col] : float.NegativeInfinity;
                }
            }
    }

    /// <summary>0, 1, …, Count − 1.</summary>
    private static Vector<int> LaneIndices()
    {
        Span<int> lanes = stackalloc int[Vector<int>.Count];
        for (int l = 0; l < lanes.Length; l++) lanes[l] = l;
        return new Vector<int>(lanes);
    }
}
