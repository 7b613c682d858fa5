using System.Reflection;
using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>
/// THE one place that works around ILGPU 1.5.3 refusing OpenCL devices that report no generic address space — notably
/// Debian 12's PoCL 3.1 on the CPU (OpenCL C 1.2), which CI uses to run the kernels through a real OpenCL compiler.
/// </summary>
/// <remarks>
/// <para><b>The problem.</b> ILGPU's <c>CLAccelerator</c> constructor throws <c>CapabilityNotSupportedException</c>
/// ("GenericAddressSpace feature") unless <c>CLCapabilityContext.GenericAddressSpace</c> is true, and ILGPU only sets it
/// for devices claiming OpenCL C 2.0+. Its setter is internal.</para>
/// <para><b>The workaround, two parts that only work together.</b></para>
/// <list type="number">
/// <item><see cref="EnableGenericAddressSpace"/> sets that capability to true through reflection, so the accelerator can be created.</item>
/// <item><see cref="Configure"/> makes the context compile at <see cref="OptimizationLevel.O2"/>. At O1 ILGPU emits every
/// <c>ArrayView</c> as a <c>__generic float*</c>, which PoCL's clang rejects ("OpenCL C version 3.0 does not support the
/// '__generic' type qualifier": PoCL passes <c>-cl-ext=-all,…</c> without <c>__opencl_c_generic_address_space</c>, and
/// refuses extra <c>-cl-ext</c> build options). O2 runs ILGPU's address-space inference, which turns those pointers into
/// <c>__global</c> ones, so the source PoCL compiles contains no <c>__generic</c> at all. The kernels in this project are
/// written so that inference succeeds (views are indexed directly, never stored or passed through structs).</item>
/// </list>
/// <para>On a CPU device every address space is the same memory, so nothing changes semantically; the OpenCL parity tests
/// check every kernel against the CPU ops. The workaround is applied only to devices that report no generic address space
/// (real GPUs with OpenCL 2.0+ and CUDA are untouched, except for O2, which is also ILGPU's recommended level for speed).
/// <c>OpenClCompatibilityTests</c> checks both that ILGPU still refuses PoCL without it (so we notice when a new ILGPU
/// no longer needs it) and that a kernel runs with it.</para>
/// </remarks>
public static class OpenClCompatibility
{
    private static readonly PropertyInfo? s_genericAddressSpace = typeof(CLCapabilityContext).GetProperty(nameof(CLCapabilityContext.GenericAddressSpace));

    /// <summary>Adds OpenCL devices WITHOUT ILGPU's default filter (which drops devices lacking a generic address space)
    /// and selects <see cref="OptimizationLevel.O2"/> (see the remarks).</summary>
    public static Context.Builder Configure(Context.Builder builder) => builder.OpenCL(static _ => true).Optimize(OptimizationLevel.O2);

    /// <summary>True when ILGPU would refuse <paramref name="device"/> (it reports no generic address space).</summary>
    public static bool NeedsWorkaround(CLDevice device) => !device.Capabilities.GenericAddressSpace;

    /// <summary>Marks <paramref name="device"/> as supporting the generic address space, if it does not already; returns
    /// whether anything was changed. Only valid together with <see cref="Configure"/>'s O2.</summary>
    /// <exception cref="InvalidOperationException">This ILGPU version no longer has the property this relies on.</exception>
    public static bool EnableGenericAddressSpace(CLDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!NeedsWorkaround(device)) return false;
        if (s_genericAddressSpace?.SetMethod is not { } setter)
            throw new InvalidOperationException($"ILGPU {typeof(Context).Assembly.GetName().Version}: CLCapabilityContext.GenericAddressSpace has no setter; revisit {nameof(OpenClCompatibility)}.");
        setter.Invoke(device.Capabilities, [true]);
        return true;
    }
}
