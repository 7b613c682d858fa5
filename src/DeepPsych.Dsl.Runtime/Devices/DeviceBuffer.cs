namespace DeepPsych.Dsl.Devices;

/// <summary>
/// A block of <typeparamref name="T"/> (float or int) in a device's memory, allocated by <see cref="IDeviceBackend.Allocate{T}(int)"/>.
/// Only the backend that allocated it can read or write it; the host sees it through
/// <see cref="IDeviceBackend.Upload{T}"/> and <see cref="IDeviceBackend.Download{T}"/>.
/// </summary>
public abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    /// <summary>Creates the handle.</summary>
    protected DeviceBuffer(IDeviceBackend backend, int length)
    {
        Backend = backend;
        Length = length;
    }

    /// <summary>The backend that owns the memory.</summary>
    public IDeviceBackend Backend { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>The whole buffer as a view.</summary>
    public DeviceView<T> View => new(this, 0, Length);

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="offset"/>.</summary>
    public DeviceView<T> Slice(int offset, int length) => View.Slice(offset, length);

    /// <summary>Frees the device memory.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the device memory.</summary>
    protected abstract void Dispose(bool disposing);

    /// <summary>The whole buffer as a view (null gives the empty view).</summary>
    public static implicit operator DeviceView<T>(DeviceBuffer<T>? buffer) => buffer?.View ?? default;
}

/// <summary>
/// A (buffer, offset, length) window on device memory: what every op of <see cref="IDeviceBackend"/> takes in place of a span.
/// <c>default</c> is the empty view, which means "absent" where the CPU op API takes an empty span (no bias, skip dx).
/// </summary>
/// <param name="Buffer">The buffer, or null for the empty view.</param>
/// <param name="Offset">First element within <paramref name="Buffer"/>.</param>
/// <param name="Length">Number of elements.</param>
public readonly record struct DeviceView<T>(DeviceBuffer<T>? Buffer, int Offset, int Length) where T : unmanaged
{
    /// <summary>True for the empty view (no buffer or no elements).</summary>
    public bool IsEmpty => Buffer is null || Length == 0;

    /// <summary>A sub-window of this view.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window does not lie inside this view.</exception>
    public DeviceView<T> Slice(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Slice [{offset}, {(long)offset + length}) does not lie inside a view of {Length} elements.");
        return new DeviceView<T>(Buffer, Offset + offset, length);
    }

    /// <summary>A sub-window from <paramref name="offset"/> to the end.</summary>
    public DeviceView<T> Slice(int offset) => Slice(offset, Length - offset);

    /// <summary>Prints the window.</summary>
    public override string ToString() => IsEmpty ? "(empty)" : $"[{Offset}, {Offset + Length}) of {Buffer!.Length}";
}
