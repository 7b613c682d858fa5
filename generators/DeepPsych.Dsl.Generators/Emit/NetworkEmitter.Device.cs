namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The device path: DeviceTrainingStep, DeviceForward, the device passes and DeviceWorkspace.</summary>
internal static partial class NetworkEmitter
{
    /// <summary>The device path: the same layers on an <c>IDeviceBackend</c> (ILGPU on CUDA, OpenCL or its CPU
    /// accelerator, or the CPU ops behind the interface), emitted from the same per-layer statements as the CPU path.</summary>
    private static void EmitDevice(CodeWriter w, NetworkPlan plan)
    {
        var loss = LossCode.For(plan);
        string targetType = loss.IntTargets ? "int" : "float";
        string targetBuffer = loss.TargetBuffer;
        string targetLength = loss.Count("batch");
        w.Line();
        w.Line("// ───────────────────────────── device path ─────────────────────────────");
        w.Line();
        w.Line("private DeviceWorkspace? _device;");
        w.Line();
        w.Line("/// <summary>Runs this network on a device from now on (null: back to the CPU path). Forward, loss, backward and the");
        w.Line("/// optimizer update run there; parameters, gradients and optimizer state stay there between steps, so a step moves");
        w.Line("/// only the batch up and the per-sample losses down. Host access (<see cref=\"Parameters\"/>, the named views, a");
        w.Line("/// checkpoint) brings them down on demand; see <see cref=\"global::DeepPsych.Dsl.Devices.DeviceTrainingState\"/> for the rule.</summary>");
        w.Open("public void UseDevice(global::DeepPsych.Dsl.Devices.IDeviceBackend? backend)");
        w.Line("if (backend is not null) global::DeepPsych.Dsl.Execution.ParameterSharing.RefuseDevice(_parameters, Name);");
        w.Line("_device?.Dispose();   // brings newer parameters, gradients and optimizer state down first");
        w.Line($"_device = backend is null ? null : new DeviceWorkspace(backend, _parameters, _gradients, _parameterTensors{(plan.HasBuffers ? ", _buffers, _bufferTensors" : "")});");
        w.Close();
        w.Line();
        w.Line("/// <summary>The device this network runs on, or null for the CPU path.</summary>");
        w.Line("public global::DeepPsych.Dsl.Devices.IDeviceBackend? DeviceBackend => _device?.Backend;");
        w.Line();
        w.Line("/// <summary>The blocks kept on the device (optimizers and the trainer update them there), or null for the CPU path.</summary>");
        w.Line("public global::DeepPsych.Dsl.Devices.DeviceTrainingState? DeviceState => _device;");
        w.Line();
        w.Open($"private float DeviceTrainingStep(DeviceWorkspace d, global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<{targetType}> targets, int batch, global::System.Span<float> outputs)");
        w.Line("var b = d.Backend;");
        w.Line("d.Reserve(batch);");
        w.Line("_batch = batch;");
        w.Line("var g = d.BeginTrainingStep();   // uploads parameters or gradients only if the host changed them");
        w.Line("b.Upload(input, d.Input.Slice(0, batch * InputLength));");
        w.Line($"b.Upload(targets, d.{targetBuffer}.Slice(0, {targetLength}));");
        w.Line("DeviceForwardPass(d, batch, training: true);");
        w.Line("DeviceBackward(d, batch, g);");
        w.Line("if (!outputs.IsEmpty) b.Download(d.OutputView(batch), outputs.Slice(0, batch * OutputLength));");
        w.Line("Step++;");
        w.Line($"return (float)(d.LossSum / {loss.Divisor});");
        w.Close();
        w.Line();
        w.Open("private void DeviceForward(DeviceWorkspace d, global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch)");
        w.Line("var b = d.Backend;");
        w.Line("d.Reserve(batch);");
        w.Line("d.BeginInference();");
        w.Line("b.Upload(input, d.Input.Slice(0, batch * InputLength));");
        w.Line("DeviceForwardPass(d, batch, training: false);");
        w.Line("b.Download(d.OutputView(batch), output.Slice(0, batch * OutputLength));");
        w.Close();
        w.Line();
        w.Line("/// <summary><see cref=\"FirstNonFiniteLayer\"/> on the device: one reduction per kept output of the last step (asked only after a divergence).</summary>");
        w.Open("private string? DeviceFirstNonFiniteLayer(DeviceWorkspace d)");
        w.Line("if (d.Capacity == 0) return null;   // no step on this device yet");
        foreach (var node in plan.Nodes.Where(n => n.Options.OwnsOutput))
            w.Line($"if (!d.Backend.Statistics(d.{node.Name}Output.Slice(0, _batch * {node.Name}Size)).AllFinite) return {node.PathLiteral};");
        w.Line("return null;");
        w.Close();
        w.Line();
        EmitForwardPass(w, plan, EmitTarget.Device);
        EmitBackward(w, plan, EmitTarget.Device);

        var buffers = MemoryPlan.PerSample(plan).Append(new BufferPlan("Losses", false, loss.PerSample, "per-sample losses, summed on the device")).ToList();

        w.Line("/// <summary>Device memory: the parameter, gradient and optimizer blocks (kept between steps by the base class),");
        w.Line("/// and per sample the same buffers as a CPU shard's workspace, grown (never per step) to the largest batch seen.");
        w.Line("/// One shard: the device is the parallelism.</summary>");
        if (plan.HasBuffers)
        {
            w.Line("private sealed class DeviceWorkspace(global::DeepPsych.Dsl.Devices.IDeviceBackend backend, float[] parameters, float[] gradients, global::DeepPsych.Dsl.ParameterTensor[] tensors,");
            w.Line("    float[] buffers, global::DeepPsych.Dsl.BufferTensor[] bufferTensors)");
            w.Open("    : global::DeepPsych.Dsl.Devices.DeviceTrainingState(backend, parameters, gradients, tensors, buffers, bufferTensors)");
        }
        else
        {
            w.Line("private sealed class DeviceWorkspace(global::DeepPsych.Dsl.Devices.IDeviceBackend backend, float[] parameters, float[] gradients, global::DeepPsych.Dsl.ParameterTensor[] tensors)");
            w.Open("    : global::DeepPsych.Dsl.Devices.DeviceTrainingState(backend, parameters, gradients, tensors)");
        }
        w.Line("public int Capacity;");
        w.Line("public readonly int First = 0;   // one shard starting at sample 0: dropout keys match the CPU path");
        w.Line("public double LossSum;");
        foreach (var b in buffers)
            w.Line($"public global::DeepPsych.Dsl.Devices.DeviceBuffer<{(b.IsInt ? "int" : "float")}> {b.Field} = null!;   // {b.Why}");
        var state = plan.Nodes.SelectMany(n => n.Options.State(n).Where(st => st.Scope == Layers.StateScope.Network).Select(st => (Field: n.Name + st.Suffix, st.Length, st.Why))).ToList();
        foreach (var (field, length, why) in state)
            w.Line($"public readonly global::DeepPsych.Dsl.Devices.DeviceBuffer<float> {field} = backend.Allocate<float>({length});   // {why}");
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
        if (state.Count == 0) w.Line("protected override void DisposeWorkspace() => Release();");
        else
        {
            w.Open("protected override void DisposeWorkspace()");
            w.Line("Release();");
            foreach (var (field, _, _) in state) w.Line($"{field}.Dispose();");
            w.Close();
        }
        w.Close();
    }
}
