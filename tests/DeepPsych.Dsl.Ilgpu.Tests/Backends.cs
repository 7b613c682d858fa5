using DeepPsych.Dsl.Devices;

namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>One backend per test class (opened once: opening an accelerator and loading kernels is the slow part).</summary>
public abstract class BackendFixture : IDisposable
{
    protected BackendFixture(Device device)
    {
        try
        {
            Backend = IlgpuDevices.Open(device);
        }
        catch (DeviceNotAvailableException e)
        {
            SkipReason = $"{device} is not present here ({e.Message}). Install pocl-opencl-icd and ocl-icd-opencl-dev to run these tests on the CPU.";
        }
    }

    /// <summary>A fixture around a backend opened by the subclass (e.g. with a non-default ILGPU context).</summary>
    protected BackendFixture(IDeviceBackend backend) => Backend = backend;

    /// <summary>The backend, or null when the device is absent.</summary>
    public IDeviceBackend? Backend { get; }

    /// <summary>Why the tests skip when <see cref="Backend"/> is null.</summary>
    public string? SkipReason { get; }

    public void Dispose()
    {
        Backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>ILGPU's CPU accelerator: always present.</summary>
public sealed class IlgpuCpuFixture() : BackendFixture(Device.IlgpuCpu);

/// <summary>OpenCL device 0 (PoCL in CI).</summary>
public sealed class OpenClFixture() : BackendFixture(Device.OpenCL(0));
