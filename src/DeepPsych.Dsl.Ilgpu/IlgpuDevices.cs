using DeepPsych.Dsl.Devices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using Device = DeepPsych.Dsl.Devices.Device;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>
/// Opens <see cref="Device"/> descriptors on ILGPU accelerators: <see cref="Device.IlgpuCpu"/>, <see cref="Device.OpenCL"/>,
/// <see cref="Device.Cuda"/>. Call <see cref="Register"/> once at start-up so <see cref="DeviceBackends.Open(Device)"/>
/// (which the runtime owns and which never loads ILGPU by itself) can open them too.
/// </summary>
public sealed class IlgpuDevices : IDeviceProvider
{
    /// <summary>The provider instance.</summary>
    public static IlgpuDevices Instance { get; } = new();

    /// <summary>Registers ILGPU's devices with <see cref="DeviceBackends"/>.</summary>
    public static void Register() => DeviceBackends.Register(Instance);

    /// <summary>Creates an ILGPU context with every accelerator kind, algorithms enabled, and the OpenCL compatibility settings.</summary>
    internal static Context CreateContext() =>
        Context.Create(b => OpenClCompatibility.Configure(b.CPU().Cuda()).Math(MathMode.Default).EnableAlgorithms());

    /// <inheritdoc/>
    public IReadOnlyList<string> Present()
    {
        using var context = CreateContext();
        return Describe(context);
    }

    /// <summary>Lines such as <c>opencl:0 — pthread-skylake-avx512 (Portable Computing Language)</c>, for every device in <paramref name="context"/>.</summary>
    internal static IReadOnlyList<string> Describe(Context context)
    {
        var lines = new List<string>();
        lines.Add($"{Device.IlgpuCpu} — ILGPU CPU accelerator (simulated GPU, for tests)");
        var cl = context.GetCLDevices();
        for (int i = 0; i < cl.Count; i++) lines.Add($"{Device.OpenCL(i)} — {cl[i].Name} ({cl[i].PlatformName}, {cl[i].MemorySize >> 20} MiB)");
        var cuda = context.GetCudaDevices();
        for (int i = 0; i < cuda.Count; i++) lines.Add($"{Device.Cuda(i)} — {cuda[i].Name} ({cuda[i].Architecture}, {cuda[i].MemorySize >> 20} MiB)");
        return lines;
    }

    /// <inheritdoc/>
    IDeviceBackend IDeviceProvider.Open(Device device) => Open(device);

    /// <summary>"there is no OpenCL device", "there is 1 OpenCL device", "there are 2 OpenCL devices".</summary>
    internal static string ThereAre(int count, string noun) =>
        count switch { 0 => $"there is no {noun}", 1 => $"there is 1 {noun}", _ => $"there are {count} {noun}s" };

    /// <summary>Opens <paramref name="device"/> on ILGPU (kernels load lazily; call <see cref="IDeviceBackend.WarmUp"/> to load them all now).</summary>
    /// <exception cref="DeviceNotAvailableException">No such device; the message lists the devices present.</exception>
    public static IlgpuBackend Open(Device device)
    {
        if (device.Kind == DeviceKind.Cpu)
            throw new ArgumentException($"{device} is the vectorised CPU path, not an ILGPU device: use DeviceBackends.Open(Device.Cpu) (CpuBackend).", nameof(device));
        var context = CreateContext();
        try
        {
            Accelerator accelerator;
            switch (device.Kind)
            {
                case DeviceKind.IlgpuCpu:
                    // Parallel mode: the simulated threads run on all cores.
                    accelerator = context.CreateCPUAccelerator(0, CPUAcceleratorMode.Parallel);
                    break;
                case DeviceKind.OpenCL:
                {
                    var devices = context.GetCLDevices();
                    if (device.Index >= devices.Count)
                        throw new DeviceNotAvailableException(device, $"{ThereAre(devices.Count, "OpenCL device")} (is an ICD such as pocl-opencl-icd installed, and libOpenCL.so from ocl-icd-opencl-dev?).", Describe(context));
                    var cl = devices[device.Index];
                    OpenClCompatibility.EnableGenericAddressSpace(cl);
                    accelerator = cl.CreateAccelerator(context);
                    break;
                }
                case DeviceKind.Cuda:
                {
                    var devices = context.GetCudaDevices();
                    if (device.Index >= devices.Count)
                        throw new DeviceNotAvailableException(device, $"{ThereAre(devices.Count, "CUDA device")} (is the NVIDIA driver installed?).", Describe(context));
                    accelerator = devices[device.Index].CreateAccelerator(context);
                    break;
                }
                default:
                    throw new DeviceNotAvailableException(device, $"unknown device kind {device.Kind}.", Describe(context));
            }
            return new IlgpuBackend(device, context, accelerator);
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }
}
