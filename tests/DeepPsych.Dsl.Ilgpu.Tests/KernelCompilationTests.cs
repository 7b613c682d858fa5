using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>
/// Every kernel (every activation instance) compiles, without any device, to PTX for sm_70 and sm_90 and to OpenCL C —
/// how CI, which has no GPU, knows the CUDA path compiles. (There is no ptxas here: the PTX is checked for its entry point
/// and target, not assembled.)
/// </summary>
public sealed class KernelCompilationTests
{
    public static TheoryData<string> Kernels
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var (name, _) in IlgpuKernels.Catalog()) data.Add(name);
            return data;
        }
    }

    [Fact]
    public void The_catalog_holds_every_kernel_family_and_every_activation_instance()
    {
        var names = IlgpuKernels.Catalog().Select(k => k.Name).ToList();
        foreach (var family in new[] { "Conv2DKernels.", "DenseKernels.", "PoolingKernels.", "DropoutKernels.", "LossKernels.", "OptimizerKernels.", "ActivationKernels.", "MemoryKernels." })
            Assert.Contains(names, n => n.StartsWith(family, StringComparison.Ordinal));
        foreach (var act in Enum.GetValues<Act>())
            Assert.Contains($"Conv2DKernels.Forward<{act}>", names);
        Assert.True(names.Count >= 50, $"only {names.Count} kernels in the catalog");
    }

    [Theory, MemberData(nameof(Kernels))]
    public void Compiles_to_PTX_for_sm70_and_sm90_and_to_OpenCL_C(string kernel)
    {
        var method = IlgpuKernels.Catalog().Single(k => k.Name == kernel).Method;
        using var context = Context.Create(b => b.Optimize(OptimizationLevel.O2).Math(MathMode.Default).EnableAlgorithms());
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);

        foreach (var (arch, isa, minTarget, requested) in new[] { (CudaArchitecture.SM_70, CudaInstructionSet.ISA_60, 70, 70), (CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, 80, 90) })
        {
            using var ptx = new PTXBackend(context, new CudaCapabilityContext(arch), arch, isa, null);
            var compiled = (PTXCompiledKernel)ptx.Compile(entry, new KernelSpecialization());
            string text = compiled.PTXAssembly.ToString()!;
            Assert.Contains(".visible .entry", text);
            // ILGPU 1.5.3 emits `.target sm_80` when asked for sm_90 (it knows no newer PTX target); PTX is forward
            // compatible, so the driver JIT-compiles it for the H200's sm_90. Accept [minTarget, requested].
            var target = Regex.Match(text, @"\.target sm_(\d+)");
            Assert.True(target.Success, $"{kernel}: no .target line in the PTX for {arch}");
            int sm = int.Parse(target.Groups[1].Value);
            Assert.InRange(sm, minTarget, requested);
        }

        using var cl = new CLBackend(context, new CLCapabilityContext(float16: false, float64: true, genericAddressSpace: true, int64_Atomics: false, subGroups: false),
            CLDeviceVendor.Other, CLCVersion.CL20);
        var source = ((CLCompiledKernel)cl.Compile(entry, new KernelSpecialization())).Source;
        Assert.Contains("kernel void", source);
        // What the PoCL workaround relies on (OpenClCompatibility): at O2 no generic pointer remains.
        Assert.DoesNotContain("__generic", source);
    }
}
