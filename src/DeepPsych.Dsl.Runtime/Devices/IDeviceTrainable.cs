namespace DeepPsych.Dsl.Devices;

/// <summary>
/// A generated network that can run on a device. While it does, its parameters, gradients and optimizer state stay in
/// <see cref="DeviceState"/> between steps: optimizers (<see cref="Optimizers.Optimizer.Step(INeuralNetwork)"/>), gradient
/// clipping and the trainer's finite checks see this capability and run on the device, so the trainer and the user's
/// code stay the same on every backend.
/// </summary>
public interface IDeviceTrainable
{
    /// <summary>Runs the network on <paramref name="backend"/> from now on; null returns to the CPU path (the parameters,
    /// gradients and optimizer state come down first). The backend stays the caller's to dispose.</summary>
    void UseDevice(IDeviceBackend? backend);

    /// <summary>The device the network runs on, or null for the CPU path.</summary>
    IDeviceBackend? DeviceBackend { get; }

    /// <summary>The blocks kept on the device, or null for the CPU path.</summary>
    DeviceTrainingState? DeviceState { get; }
}
