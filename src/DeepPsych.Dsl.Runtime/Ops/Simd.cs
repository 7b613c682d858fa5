using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace DeepPsych.Dsl.Ops;

/// <summary>
/// The vector width the CPU kernels take on this machine, decided once at start-up from what the JIT accelerates:
/// 512 bits (AVX-512F), else 256 bits (AVX2 + FMA), else 128 bits (SSE on x86, NEON on Arm64).
/// </summary>
/// <remarks>
/// Every vectorised op branches on <see cref="Width"/> (or the <c>IsHardwareAccelerated</c> flags it is made of), never on
/// CPU models. To run a narrower path on a wider machine, switch the JIT's ISAs off before the process starts:
/// <c>DOTNET_EnableAVX512=0</c> gives the 256-bit path, <c>DOTNET_EnableAVX2=0</c> the 128-bit one (on .NET 10 the
/// older name <c>DOTNET_EnableAVX512F</c> no longer switches anything off).
/// </remarks>
public static class Simd
{
    /// <summary>Bits per vector register the kernels use: 512, 256 or 128.</summary>
    public static int Width { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;

    /// <summary>Whether a fused multiply-add instruction backs the kernels (always with 512 and 256 bits here).</summary>
    public static bool HasFma => Width == 512 || Fma.IsSupported || AdvSimd.IsSupported;

    /// <summary>One line for benchmark headers, e.g. "AVX-512 (Vector512, FMA)".</summary>
    public static string Describe() => Width switch
    {
        512 => "AVX-512 (Vector512, FMA)",
        256 => Fma.IsSupported ? "AVX2 (Vector256, FMA)" : "AVX2 (Vector256, no FMA)",
        _ => AdvSimd.IsSupported ? "NEON (Vector128, FMA)" : Fma.IsSupported ? "SSE (Vector128, FMA)" : "SSE (Vector128, no FMA)",
    };
}
