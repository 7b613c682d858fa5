namespace DeepPsych.Dsl.Devices;

/// <summary>Opens a <see cref="Device"/> as an <see cref="IDeviceBackend"/>. The runtime itself only knows
/// <see cref="Device.Cpu"/>; the ILGPU devices come from a provider that <c>DeepPsych.Dsl.Ilgpu</c> registers
/// (<c>IlgpuDevices.Register()</c>), so the runtime never references ILGPU and stays NativeAOT-safe.</summary>
public static class DeviceBackends
{
    private static volatile IDeviceProvider? s_provider;

    /// <summary>Installs the provider of non-CPU devices (the last registration wins).</summary>
    public static void Register(IDeviceProvider provider) => s_provider = provider ?? throw new ArgumentNullException(nameof(provider));

    /// <summary>The registered provider of non-CPU devices, or null.</summary>
    public static IDeviceProvider? Provider => s_provider;

    /// <summary>Descriptions of every device that can be opened now (the CPU first).</summary>
    public static IReadOnlyList<string> Present()
    {
        var list = new List<string> { "cpu — vectorised CPU ops" };
        if (s_provider is { } p) list.AddRange(p.Present());
        return list;
    }

    /// <summary>Opens <paramref name="device"/>.</summary>
    /// <exception cref="DeviceNotAvailableException">The device is not present, or it needs ILGPU and no provider is registered;
    /// the message lists the devices that are present.</exception>
    public static IDeviceBackend Open(Device device)
    {
        if (device.Kind == DeviceKind.Cpu) return new CpuBackend();
        if (s_provider is not { } p)
            throw new DeviceNotAvailableException(device, "it needs the ILGPU backend: reference DeepPsych.Dsl.Ilgpu and call IlgpuDevices.Register() at start-up.", Present());
        return p.Open(device);
    }
}

/// <summary>Opens devices other than the CPU (implemented by <c>DeepPsych.Dsl.Ilgpu</c>).</summary>
public interface IDeviceProvider
{
    /// <summary>One line per present device, e.g. <c>opencl:0 — pthread-skylake-avx512 (Portable Computing Language)</c>.</summary>
    IReadOnlyList<string> Present();

    /// <summary>Opens <paramref name="device"/>, or throws <see cref="DeviceNotAvailableException"/> listing what is present.</summary>
    IDeviceBackend Open(Device device);
}
