using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Tests.Ops;

/// <summary>
/// Every vector width stays correct on this one machine: the op parity and gradient tests (GEMM, activations, dense,
/// Conv2D, max pooling, and the element-wise, BatchNorm, softmax and LRN loops — every vectorised kernel family) run again in a child process with the wider ISAs switched off in the JIT
/// (<c>DOTNET_EnableAVX512=0</c> → the 256-bit path, <c>DOTNET_EnableAVX2=0</c> → the 128-bit SSE path), and the child
/// first checks that it really took the width asked for.
/// </summary>
public class SimdPathTests
{
    /// <summary>Set in the child: the width <see cref="Simd.Width"/> must be.</summary>
    private const string ExpectWidth = "DEEPPSYCH_EXPECT_SIMD_WIDTH";

    /// <summary>The focused subset the child runs (seconds, not minutes): the parity tests of the kernel families with their
    /// own vector code, against double-precision references (the finite-difference checks of the same kernels stay in process).</summary>
    private const string ChildFilter =
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Gemm.|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Activations.|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Dense.DenseOpTests.Forward_matches|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Dense.DenseOpTests.Backward_matches|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Conv2D.Conv2DOpTests.Forward_matches|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Conv2D.Conv2DOpTests.Backward_matches|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Conv2D.Conv2DOpTests.Forward_writes_nothing_outside_y|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Elementwise.|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.BatchNorm.|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Softmax.|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.LocalResponseNorm.|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Pooling.MaxPool2DOpTests.Tiling_windows|FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.Pooling.MaxPool2DOpTests.Any_window|" +
        "FullyQualifiedName~DeepPsych.Dsl.Tests.Ops.SimdPathTests.The_width_taken";

    [Fact]
    public void The_width_taken_is_the_widest_the_JIT_accelerates_or_the_one_a_child_was_given()
    {
        string? expected = Environment.GetEnvironmentVariable(ExpectWidth);
        int want = expected is not null ? int.Parse(expected)
            : Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 128;
        Assert.Equal(want, Simd.Width);
        Assert.Equal(3 * Simd.Width / 32, DeepPsych.Dsl.Ops.Gemm.MicroColumns);
    }

    [X64Fact]
    public void The_op_tests_pass_on_the_256_and_128_bit_paths_with_the_wider_ISAs_switched_off()
    {
        // Both children at once: most of each run is test-host start-up.
        var avx2 = Task.Run(() => RunChild("DOTNET_EnableAVX512", 256));
        var sse = Task.Run(() => RunChild("DOTNET_EnableAVX2", 128));
        foreach (var (run, knob, width) in new[] { (avx2, "DOTNET_EnableAVX512", 256), (sse, "DOTNET_EnableAVX2", 128) })
        {
            var (code, output) = run.Result;
            Assert.True(code == 0 && output.Contains("Passed!"), $"{knob}=0 ({Math.Min(width, Simd.Width)}-bit path): the child test run failed (exit {code}):\n{output}");
        }
    }

    private static (int Code, string Output) RunChild(string knob, int width)
    {
        width = Math.Min(width, Simd.Width);   // a machine without AVX-512 stays at its own width with AVX-512 "off"
        string dll = typeof(SimdPathTests).Assembly.Location;
        var info = new ProcessStartInfo(Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { "test", dll, "--filter", ChildFilter, "--nologo" }) info.ArgumentList.Add(a);
        info.Environment[knob] = "0";
        info.Environment[ExpectWidth] = width.ToString();
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("VSTEST_", StringComparison.Ordinal)).ToList())
            info.Environment.Remove(key);   // the parent run's test-host settings are not the child's
        using var child = Process.Start(info)!;
        var stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        return (child.ExitCode, stdout + stderr.Result);
    }
}

/// <summary>A fact that runs on x64 only: the JIT's ISA switches it uses are x64 switches (Arm64 runs its own 128-bit
/// width in process).</summary>
public sealed class X64FactAttribute : FactAttribute
{
    public X64FactAttribute()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Skip = $"The DOTNET_EnableAVX* switches are x64 switches; this is {RuntimeInformation.ProcessArchitecture}.";
    }
}
