using DeepPsych.Dsl.Devices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using Device = DeepPsych.Dsl.Devices.Device;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>The PoCL workaround (<see cref="OpenClCompatibility"/>): still needed, and sufficient.</summary>
public sealed class OpenClCompatibilityTests
{
    private static CLDevice? FirstDevice(Context context) => context.GetCLDevices() is { Count: > 0 } list ? list[0] : null;

    [SkippableFact]
    public void Without_the_workaround_ILGPU_refuses_a_device_without_generic_address_space()
    {
        using var context = Context.Create(b => OpenClCompatibility.Configure(b));
        var device = FirstDevice(context);
        Skip.If(device is null, "No OpenCL device here (install pocl-opencl-icd and ocl-icd-opencl-dev).");
        Skip.IfNot(OpenClCompatibility.NeedsWorkaround(device!), $"{device!.Name} supports the generic address space: the workaround is not used on it.");
        // If this stops throwing, a new ILGPU accepts the device by itself and OpenClCompatibility can go.
        Assert.Throws<CapabilityNotSupportedException>(() => device.CreateAccelerator(context).Dispose());
    }

    [SkippableFact]
    public void With_the_workaround_a_kernel_runs_on_that_device()
    {
        using var context = Context.Create(b => OpenClCompatibility.Configure(b));
        var device = FirstDevice(context);
        Skip.If(device is null, "No OpenCL device here (install pocl-opencl-icd and ocl-icd-opencl-dev).");
        bool changed = OpenClCompatibility.EnableGenericAddressSpace(device!);
        Assert.True(device!.Capabilities.GenericAddressSpace);
        Assert.False(OpenClCompatibility.EnableGenericAddressSpace(device), "a second call must change nothing");
        using var accelerator = device.CreateAccelerator(context);
        var kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(Ops.MemoryKernels.Fill);
        using var buffer = accelerator.Allocate1D<float>(5);
        kernel(5, buffer.View, 2.5f);
        Assert.Equal(new[] { 2.5f, 2.5f, 2.5f, 2.5f, 2.5f }, buffer.GetAsArray1D());
        _ = changed;
    }
}

/// <summary>Device descriptors and selection.</summary>
public sealed class DeviceSelectionTests
{
    [Theory]
    [InlineData("cpu", DeviceKind.Cpu, 0)]
    [InlineData("ilgpu-cpu", DeviceKind.IlgpuCpu, 0)]
    [InlineData("OpenCL", DeviceKind.OpenCL, 0)]
    [InlineData("opencl:2", DeviceKind.OpenCL, 2)]
    [InlineData("cuda:1", DeviceKind.Cuda, 1)]
    public void Parse_reads_the_command_line_spellings(string text, DeviceKind kind, int index)
    {
        var d = Device.Parse(text);
        Assert.Equal(new Device(kind, index), d);
        Assert.Equal(d, Device.Parse(d.ToString()));
    }

    [Theory, InlineData("gpu"), InlineData("cuda:-1"), InlineData("cpu:1"), InlineData("opencl:x")]
    public void Parse_rejects_unknown_spellings_with_the_accepted_ones(string text)
    {
        var e = Assert.Throws<FormatException>(() => Device.Parse(text));
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public void An_absent_CUDA_device_is_refused_with_the_list_of_present_devices()
    {
        var e = Assert.Throws<DeviceNotAvailableException>(() => IlgpuDevices.Open(Device.Cuda(7)));
        Assert.Equal(Device.Cuda(7), e.Requested);
        Assert.Contains("cuda:7", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);                        // always present
        Assert.Contains(e.Present, line => line.StartsWith("ilgpu-cpu", StringComparison.Ordinal));
    }

    [Fact]
    public void The_runtime_opens_the_CPU_itself_and_ILGPU_devices_through_the_registered_provider()
    {
        using (var cpu = DeviceBackends.Open(Device.Cpu)) Assert.IsType<CpuBackend>(cpu);
        IlgpuDevices.Register();
        using var backend = DeviceBackends.Open(Device.IlgpuCpu);
        Assert.Equal(Device.IlgpuCpu, backend.Device);
        Assert.Contains("ilgpu-cpu", backend.Description);
        Assert.Throws<DeviceNotAvailableException>(() => DeviceBackends.Open(Device.OpenCL(99)));
    }

    [Fact]
    public void The_runtime_assembly_does_not_reference_ILGPU()
    {
        var refs = typeof(IDeviceBackend).Assembly.GetReferencedAssemblies().Select(a => a.Name).ToList();
        Assert.DoesNotContain(refs, n => n!.StartsWith("ILGPU", StringComparison.OrdinalIgnoreCase));
    }
}
