namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>Where emitted statements run: the CPU path (spans over workspace arrays, <c>Conv2DOp.Forward(...)</c>) or a
/// device (views over device buffers, <c>b.Conv2DForward(...)</c> on an IDeviceBackend). Every name from outside the
/// user's class is global::-qualified, so a user type named Span or Conv2DOp cannot capture it. The layer emitter writes each
/// layer once and asks the target for the few words that differ, so both passes stay the same code.</summary>
internal sealed class EmitTarget
{
    public static readonly EmitTarget Cpu = new(device: false);
    public static readonly EmitTarget Device = new(device: true);

    private EmitTarget(bool device, string? atFirst = null) { IsDevice = device; _atFirst = atFirst; }

    /// <summary>The CPU path inside a depth-first inference chunk (<c>InferChunk</c>: samples [first, first + n) of the shard):
    /// every buffer is the chunk's own n samples from the start, reused chunk after chunk, except
    /// <paramref name="atFirst"/>, the one the rest of the network reads for the whole shard, kept at the chunk's samples.</summary>
    public static EmitTarget CpuChunk(string atFirst) => new(device: false, atFirst);

    private readonly string? _atFirst;

    public bool IsDevice { get; }

    /// <summary>The workspace variable: <c>ws</c> (a CPU shard) or <c>d</c> (the device workspace).</summary>
    public string Ws => IsDevice ? "d" : "ws";

    /// <summary>The type of a float view.</summary>
    public string View => IsDevice ? "global::DeepPsych.Dsl.Devices.DeviceView<float>" : "global::System.Span<float>";

    /// <summary>The first <c>n</c> samples of a workspace buffer (in a chunk, <see cref="CpuChunk"/>'s one buffer: samples
    /// [first, first + n)).</summary>
    public string Buffer(string field, string perSample)
        => IsDevice ? $"d.{field}.Slice(0, n * {perSample})"
           : $"global::System.MemoryExtensions.AsSpan(ws.{field}, {(field == _atFirst ? $"first * {perSample}" : "0")}, n * {perSample})";

    /// <summary>An op call: <c>Conv2DOp.Forward</c> or <c>b.Conv2DForward</c>.</summary>
    public string Call(string family, string method) => IsDevice ? $"b.{family}{method}" : $"global::DeepPsych.Dsl.Ops.{family}Op.{method}";

    /// <summary>A parameter tensor: the read-only span property on the CPU, a slice of the parameter buffer on a device.</summary>
    public string Parameter(string id) => IsDevice ? $"d.Parameters.Slice({id}Offset, {id}Length)" : id;

    public string Clear(string view) => IsDevice ? $"b.Zero({view});" : $"{view}.Clear();";

    /// <summary>to += from (same length).</summary>
    public string Accumulate(string from, string to) => IsDevice ? $"b.Add({from}, {to});" : $"global::DeepPsych.Dsl.Execution.NetworkChecks.AddInto({to}, {from});";

    public string Copy(string from, string to) => IsDevice ? $"b.Copy({from}, {to});" : $"{from}.CopyTo({to});";
}
