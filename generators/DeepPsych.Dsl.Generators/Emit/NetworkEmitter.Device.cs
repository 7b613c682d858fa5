namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The device path: DeviceTrainingStep, DeviceForward, the device passes and DeviceWorkspace.</summary>
internal static partial class NetworkEmitter
{
    /// <summary>The device path: the same layers on an <c>IDeviceBackend</c> (ILGPU on CUDA, OpenCL or its CPU
    /// accelerator, or the CPU ops behind the interface), emitted from the same per-layer statements as the CPU path.</summary>
    private static void EmitDevice(CodeWriter w, NetworkPlan plan)
    {
        var loss = LossCode.For(plan.Loss);
        string targetType = loss.IntTargets ? "int" : "float";
        string targetBuffer = loss.TargetBuffer;
        string targetLength = loss.Count("batch");
        w.Line();
        w.Line("// ───────────────────────────── device path ─────────────────────────────");
        w.Line();
        w.Line("private DeviceWorkspace? _device;");
        w.Line();
        w.Line("/// <summary>Runs this network on a device from now on (null: back to the CPU path). Forward, loss and backward run");
        w.Line("/// there with no host round trip between layers; each call uploads the parameters and the batch, and brings back");
        w.Line("/// the loss and, for training, the gradients, which are added to <see cref=\"Gradients\"/> (the optimizer runs on the host).</summary>");
        w.Open("public void UseDevice(global::DeepPsych.Dsl.Devices.IDeviceBackend? backend)");
        w.Line("_device?.Dispose();");
        w.Line("_device = backend is null ? null : new DeviceWorkspace(backend);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The device this network runs on, or null for the CPU path.</summary>");
        w.Line("public global::DeepPsych.Dsl.Devices.IDeviceBackend? DeviceBackend => _device?.Backend;");
        w.Line();
        w.Open($"private float DeviceTrainingStep(DeviceWorkspace d, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<{targetType}> targets, int batch, global::System.Span<float> outputs)");
        w.Line("var b = d.Backend;");
        w.Line("d.Reserve(batch);");
        w.Line("_batch = batch;");
        w.Line("b.Upload<float>(_parameters, d.Parameters);");
        w.Line("b.Upload(input, d.Input.Slice(0, batch * InputLength));");
        w.Line($"b.Upload(targets, d.{targetBuffer}.Slice(0, {targetLength}));");
        w.Line("b.Zero(d.Gradients);");
        w.Line("DeviceForwardPass(d, batch, training: true);");
        w.Line("DeviceBackward(d, batch, d.Gradients);");
        w.Line("b.Download<float>(d.Gradients, d.HostGradients);");
        w.Line("global::DeepPsych.Dsl.Execution.NetworkChecks.AddInto(_gradients, d.HostGradients);");
        w.Line("if (!outputs.IsEmpty) b.Download(d.OutputView(batch), outputs.Slice(0, batch * OutputLength));");
        w.Line("Step++;");
        w.Line("return (float)(d.LossSum / batch);");
        w.Close();
        w.Line();
        w.Open("private void DeviceForward(DeviceWorkspace d, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch)");
        w.Line("var b = d.Backend;");
        w.Line("d.Reserve(batch);");
        w.Line("b.Upload<float>(_parameters, d.Parameters);");
        w.Line("b.Upload(input, d.Input.Slice(0, batch * InputLength));");
        w.Line("DeviceForwardPass(d, batch, training: false);");
        w.Line("b.Download(d.OutputView(batch), output.Slice(0, batch * OutputLength));");
        w.Close();
        w.Line();
        EmitForwardPass(w, plan, EmitTarget.Device);
        EmitBackward(w, plan, EmitTarget.Device);

        var buffers = MemoryPlan.PerSample(plan).Append(new BufferPlan("Losses", false, loss.PerSample, "per-sample losses, summed on the device")).ToList();

        w.Line("/// <summary>Device memory: the parameter and gradient blocks, and per sample the same buffers as a CPU shard's");
        w.Line("/// workspace, grown (never per step) to the largest batch seen. One shard: the device is the parallelism.</summary>");
        w.Open("private sealed class DeviceWorkspace(global::DeepPsych.Dsl.Devices.IDeviceBackend backend) : global::System.IDisposable");
        w.Line("public readonly global::DeepPsych.Dsl.Devices.IDeviceBackend Backend = backend;");
        w.Line("public readonly global::DeepPsych.Dsl.Devices.DeviceBuffer<float> Parameters = backend.Allocate<float>(ParameterCount);");
        w.Line("public readonly global::DeepPsych.Dsl.Devices.DeviceBuffer<float> Gradients = backend.Allocate<float>(ParameterCount);");
        w.Line("public readonly float[] HostGradients = new float[ParameterCount];");
        w.Line("public int Capacity;");
        w.Line("public readonly int First = 0;   // one shard starting at sample 0: dropout keys match the CPU path");
        w.Line("public double LossSum;");
        foreach (var b in buffers)
            w.Line($"public global::DeepPsych.Dsl.Devices.DeviceBuffer<{(b.IsInt ? "int" : "float")}> {b.Field} = null!;   // {b.Why}");
        w.Line();
        w.Line($"public global::DeepPsych.Dsl.Devices.DeviceView<float> OutputView(int n) => {MemoryPlan.OutputField(plan)}.Slice(0, n * OutputLength);");
        w.Line();
        w.Open("public void Reserve(int samples)");
        w.Line("if (samples <= Capacity) return;");
        w.Line("Release();");
        w.Line("Capacity = samples;");
        foreach (var b in buffers) w.Line($"{b.Field} = Backend.Allocate<{(b.IsInt ? "int" : "float")}>({Samples(b)});");
        w.Close();
        w.Line();
        w.Open("private void Release()");
        w.Line("if (Capacity == 0) return;");
        foreach (var b in buffers) w.Line($"{b.Field}.Dispose();");
        w.Close();
        w.Line();
        w.Open("public void Dispose()");
        w.Line("Release();");
        w.Line("Parameters.Dispose();");
        w.Line("Gradients.Dispose();");
        w.Close();
        w.Close();
    }
}
