using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

/// <summary>Pooling windows with ceil mode and per-side padding, shared by the max and average pooling tests and their
/// PyTorch parity test. Each is written "C H W K S top left bottom right ceil".</summary>
public static class PoolWindows
{
    public static readonly string[] CeilAndPerSide =
    [
        "2 7 7 2 2 0 0 0 0 ceil",     // 7 → 4: the last window holds one row/column (torchvision GoogLeNet's 3/2 ceil pools, small)
        "1 6 6 3 2 1 1 1 1 ceil",     // ⌈(6 + 2 − 3)/2⌉ + 1 = 4: the last window starts on the last row and runs past the padding
        "1 5 5 2 2 1 1 1 1 ceil",     // ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but the 4th window would start in the bottom padding: PyTorch drops it → 3
        "2 5 8 3 2 1 1 1 1 ceil",     // ceil with padding, non-square input (5 → 3, 8 → 5)
        "1 1 1 2 2 0 0 0 0 ceil",     // a 1×1 input: floor mode has no window, ceil mode one
        "3 9 10 3 3 0 0 0 0 ceil",    // 9 → 3 and 10 → 4 (last column window of 1)
        "2 8 8 2 2 0 0 0 0 ceil",     // divisible: ceil = floor (the tiling fast path)
        "2 7 6 3 2 1 0 0 1 floor",    // per side: top 1, right 1
        "1 6 7 2 2 0 1 1 0 ceil",     // per side and ceil
        "2 5 5 4 1 2 1 0 2 floor",    // per side, stride 1, pad = k/2 on one side only
    ];

    public static TheoryData<string> All() => new(CeilAndPerSide);

    public static Pool2DGeometry Parse(string text)
    {
        var f = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int[] v = f.Take(9).Select(int.Parse).ToArray();
        return new Pool2DGeometry(v[0], v[1], v[2], v[3], v[3], v[4], v[4], v[5], v[6]) { PadBottom = v[7], PadRight = v[8], CeilMode = f[9] == "ceil" };
    }
}
