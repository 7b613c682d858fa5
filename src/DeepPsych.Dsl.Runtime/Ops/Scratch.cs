using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Per-thread, grow-only scratch memory for the ops (packed GEMM panels, im2col blocks, tiles).
/// Each slot is a pinned array (pinned object heap), so a pointer into it stays valid while the thread
/// lives; it only grows, so after the first call at a given shape no op allocates managed memory.
/// </summary>
/// <remarks>
/// Slots are owned by fixed users so nested use never aliases: <see cref="PackA"/>/<see cref="PackB"/>/<see cref="Tile"/>
/// belong to <see cref="Gemm"/>; <see cref="Columns"/> belongs to the conv ops (im2col / col2im blocks).
/// </remarks>
internal static unsafe class Scratch
{
    /// <summary>Packed A micro-panels (GEMM).</summary>
    public const int PackA = 0;
    /// <summary>Packed B panels (GEMM).</summary>
    public const int PackB = 1;
    /// <summary>Edge tiles and padded bias (GEMM).</summary>
    public const int Tile = 2;
    /// <summary>im2col / col2im blocks (Conv2D).</summary>
    public const int Columns = 3;
    /// <summary>Zero-padded copy of one sample/group's input (Conv2D stride-1 path).</summary>
    public const int Padded = 4;
    /// <summary>Output on the padded width before compaction (Conv2D stride-1 path).</summary>
    public const int Wide = 5;
    /// <summary>Flipped, transposed weights for the direct input gradient (Conv2D backward).</summary>
    public const int FlippedWeights = 6;
    /// <summary>Every group's weights packed for the GEMM once per conv call (Conv2D forward, and the input gradient in backward).</summary>
    public const int PackedWeights = 7;
    /// <summary>Vector accumulators kept between sample blocks (Conv2D direct weight gradient).</summary>
    public const int Accumulators = 8;
    /// <summary>A −∞-padded copy of one input plane, and a strided column gathered from it (MaxPool2D).</summary>
    public const int PoolPadded = 9;
    /// <summary>The 16 Winograd-transformed weight matrices before packing (Conv2D Winograd path).</summary>
    public const int WinogradWeights = 10;
    /// <summary>One block of Winograd-transformed input tiles, 16 × C × tiles (Conv2D Winograd path).</summary>
    public const int WinogradInput = 11;
    /// <summary>The 16 GEMM products of one Winograd block, 16 × O × tiles (Conv2D Winograd path).</summary>
    public const int WinogradProducts = 12;
    /// <summary>Even and odd columns of the input rows one Winograd block reads (Conv2D Winograd path).</summary>
    public const int WinogradRuns = 13;
    /// <summary>A block of samples' padded inputs, one sample per vector lane (Conv2D sample-lane path).</summary>
    public const int LaneInput = 14;
    /// <summary>A block of samples' outputs, or input gradients, one sample per vector lane (Conv2D sample-lane path).</summary>
    public const int LaneOutput = 15;
    /// <summary>A block of samples' dz, padded for the transposed convolution, one sample per lane (Conv2D sample-lane path).</summary>
    public const int LaneOutputGradient = 16;
    /// <summary>Per-lane partial sums of the weight gradient (Conv2D sample-lane path).</summary>
    public const int LaneWeightGradient = 17;
    /// <summary>Cᵀ of a product C = A·Bᵀ computed transposed (GEMM, few rows of A; Dense forward in training).</summary>
    public const int TransposedProduct = 18;
    private const int SlotCount = 19;

    [ThreadStatic] private static float[]?[]? s_arrays;

    /// <summary>Returns a 64-byte aligned buffer of at least <paramref name="length"/> floats for <paramref name="slot"/> (contents undefined).</summary>
    public static float* Get(int slot, long length)
    {
        var arrays = s_arrays ??= new float[]?[SlotCount];
        var arr = arrays[slot];
        if (arr is null || arr.Length < length + 16)
        {
            long grow = Math.Max(length + 16, arr is null ? 0 : arr.Length + arr.Length / 2);
            if (grow > Array.MaxLength) throw new OutOfMemoryException($"Scratch buffer of {length} floats is too large.");
            arr = GC.AllocateUninitializedArray<float>((int)grow, pinned: true);
            arrays[slot] = arr;
        }
        nuint p = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(arr));
        return (float*)((p + 63) & ~(nuint)63);
    }
}
