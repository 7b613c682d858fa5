using System.Globalization;

namespace DeepPsych.Dsl.Devices;

/// <summary>The kinds of device a network can run on.</summary>
public enum DeviceKind
{
    /// <summary>The vectorised CPU path (<c>DeepPsych.Dsl.Ops</c>); always present, needs no ILGPU, NativeAOT-safe.</summary>
    Cpu = 0,
    /// <summary>ILGPU's CPU accelerator: runs the GPU kernels on the CPU, ~300x slower than <see cref="Cpu"/>. For tests and dry runs.</summary>
    IlgpuCpu = 1,
    /// <summary>An OpenCL device through ILGPU (a GPU, or PoCL on the CPU).</summary>
    OpenCL = 2,
    /// <summary>An NVIDIA GPU through ILGPU's CUDA backend.</summary>
    Cuda = 3,
}

/// <summary>
/// A plain descriptor of where a network runs: a kind and an index among the devices of that kind. It opens nothing by
/// itself; <see cref="DeviceBackends.Open(Device)"/> turns it into an <see cref="IDeviceBackend"/>.
/// </summary>
/// <param name="Kind">The device kind.</param>
/// <param name="Index">0-based index among the present devices of <paramref name="Kind"/> (always 0 for the CPU kinds).</param>
public readonly record struct Device(DeviceKind Kind, int Index)
{
    /// <summary>The vectorised CPU path.</summary>
    public static Device Cpu => new(DeviceKind.Cpu, 0);

    /// <summary>ILGPU's CPU accelerator (kernels simulated on the CPU; for tests).</summary>
    public static Device IlgpuCpu => new(DeviceKind.IlgpuCpu, 0);

    /// <summary>The OpenCL device number <paramref name="index"/>, in ILGPU's enumeration order.</summary>
    public static Device OpenCL(int index = 0) => new(DeviceKind.OpenCL, CheckIndex(index));

    /// <summary>The CUDA device number <paramref name="index"/>.</summary>
    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, CheckIndex(index));

    /// <summary>Whether this device needs the ILGPU backend (everything but <see cref="Cpu"/>).</summary>
    public bool NeedsIlgpu => Kind != DeviceKind.Cpu;

    /// <summary>
    /// Parses a command-line spelling: <c>cpu</c>, <c>ilgpu-cpu</c>, <c>opencl</c>, <c>opencl:1</c>, <c>cuda</c>, <c>cuda:0</c>
    /// (case-insensitive; the index defaults to 0).
    /// </summary>
    /// <exception cref="FormatException">The text names no device kind, or the index is not a non-negative integer.</exception>
    public static Device Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim().ToLowerInvariant();
        int colon = s.IndexOf(':');
        string name = colon < 0 ? s : s[..colon];
        int index = 0;
        if (colon >= 0 && (!int.TryParse(s[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out index) || index < 0))
            throw new FormatException($"Device '{text}': the index after ':' must be a non-negative integer.");
        return name switch
        {
            "cpu" when colon < 0 => Cpu,
            "ilgpu-cpu" or "ilgpucpu" when colon < 0 => IlgpuCpu,
            "opencl" or "cl" => OpenCL(index),
            "cuda" => Cuda(index),
            _ => throw new FormatException($"Device '{text}' is not one of: cpu, ilgpu-cpu, opencl[:i], cuda[:i]."),
        };
    }

    /// <summary>The spelling <see cref="Parse"/> accepts, e.g. <c>opencl:0</c>.</summary>
    public override string ToString() => Kind switch
    {
        DeviceKind.Cpu => "cpu",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        DeviceKind.OpenCL => $"opencl:{Index}",
        DeviceKind.Cuda => $"cuda:{Index}",
        _ => $"{Kind}:{Index}",
    };

    private static int CheckIndex(int index) =>
        index >= 0 ? index : throw new ArgumentOutOfRangeException(nameof(index), index, "A device index must be ≥ 0.");
}

/// <summary>The requested device is not present (or its backend is not loaded). The message lists what is present.</summary>
public sealed class DeviceNotAvailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="requested">What was asked for.</param>
    /// <param name="reason">Why it cannot be opened.</param>
    /// <param name="present">Human-readable lines describing the devices that are present.</param>
    public DeviceNotAvailableException(Device requested, string reason, IReadOnlyList<string> present)
        : base($"Device {requested} is not available: {reason} Present devices: {(present.Count == 0 ? "(none)" : string.Join("; ", present))}.")
    {
        Requested = requested;
        Present = present;
    }

    /// <summary>The device that was asked for.</summary>
    public Device Requested { get; }

    /// <summary>The devices that are present, one description each (e.g. <c>opencl:0 — pthread-skylake (PoCL)</c>).</summary>
    public IReadOnlyList<string> Present { get; }
}
