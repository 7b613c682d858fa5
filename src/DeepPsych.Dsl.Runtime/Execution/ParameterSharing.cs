using System.Runtime.CompilerServices;
using DeepPsych.Dsl.Devices;

namespace DeepPsych.Dsl.Execution;

/// <summary>One parameter block read and trained through several networks of the same layout: the generated constructor
/// <c>new SppNet180(sharesParametersWith: net224)</c> calls it. He et al. (SPP-net, 2014, §2.3) train at several input
/// sizes exactly so — "two fixed-size networks that share parameters" — and a network's sizes are compile-time constants
/// here, so this is how a pyramid-pooled network takes inputs whose size varies between calls.</summary>
/// <remarks>
/// Both networks see one parameter block, one gradient block and one buffer block (BatchNorm statistics): an optimizer
/// step through either moves both, gradients from either add into the one block, a checkpoint loaded into either is
/// loaded into both. Layouts must be equal — every parameter and buffer name, shape and offset — which
/// <see cref="Join"/> checks. The networks are not safe to call at the same time from two threads (one gradient block),
/// and a shared block stays on the host: the device path keeps its own copy, which the other network would not see.
/// </remarks>
public static class ParameterSharing
{
    private static readonly ConditionalWeakTable<float[], string> s_shared = new();

    /// <summary>The blocks a network is built over: fresh ones, or those of the network it shares its parameters with.</summary>
    public readonly record struct Blocks(float[] Parameters, float[] Gradients, float[] Buffers, long[] Counters);

    /// <summary>Fresh blocks of the given lengths, or <paramref name="other"/>'s after checking their lengths.</summary>
    public static Blocks For(INeuralNetwork? other, string network, int parameterCount, int bufferCount = 0, int counterCount = 0)
    {
        if (other is null) return new(new float[parameterCount], new float[parameterCount], new float[bufferCount], new long[counterCount]);
        if (other is IDeviceTrainable { DeviceBackend: { } backend })
            throw new InvalidOperationException($"{network} cannot share {other.Name}'s parameters while {other.Name} runs on a device ({backend.Description}): " +
                $"call {other.Name}.UseDevice(null) first; shared parameters live on the host.");
        float[] parameters = other.Parameters, gradients = other.Gradients;
        float[] buffers = other.Buffers.Select(b => b.FloatBlock).FirstOrDefault(b => b is not null) ?? [];
        long[] counters = other.Buffers.Select(b => b.CounterBlock).FirstOrDefault(c => c is not null) ?? [];
        if (parameters.Length != parameterCount || buffers.Length != bufferCount || counters.Length != counterCount)
            throw Mismatch(network, other, $"{network} has {parameterCount:N0} parameters and {bufferCount + counterCount:N0} buffer values, " +
                $"{other.Name} {parameters.Length:N0} and {buffers.Length + counters.Length:N0}");
        return new(parameters, gradients, buffers, counters);
    }

    /// <summary>Checks that <paramref name="sharer"/>, built over <paramref name="owner"/>'s blocks, lays them out the same
    /// way (names, shapes, offsets of every parameter and buffer), then marks the blocks as shared.</summary>
    public static void Join(INeuralNetwork owner, INeuralNetwork sharer)
    {
        var mine = Layout(sharer);
        var theirs = Layout(owner);
        for (int i = 0; i < Math.Max(mine.Count, theirs.Count); i++)
        {
            if (i >= mine.Count) throw Mismatch(sharer.Name, owner, $"{owner.Name} has '{theirs[i].Name}' [{theirs[i].Shape}] where {sharer.Name}'s tensors end");
            if (i >= theirs.Count) throw Mismatch(sharer.Name, owner, $"{sharer.Name} has '{mine[i].Name}' [{mine[i].Shape}] where {owner.Name}'s tensors end");
            if (mine[i] != theirs[i])
                throw Mismatch(sharer.Name, owner, $"tensor {i} is '{mine[i].Name}' [{mine[i].Shape}]{mine[i].Type} at offset {mine[i].Offset:N0} in {sharer.Name} " +
                    $"but '{theirs[i].Name}' [{theirs[i].Shape}]{theirs[i].Type} at offset {theirs[i].Offset:N0} in {owner.Name}");
        }
        s_shared.AddOrUpdate(owner.Parameters, $"{owner.Name} and {sharer.Name}");

        // Every parameter, then every buffer: name, shape, offset and (for buffers) element type.
        static List<(string Name, string Shape, int Offset, string Type)> Layout(INeuralNetwork net) =>
            net.ParameterTensors.Select(p => (p.Name, Shape: Dims(p.Shape), p.Offset, Type: "")).Concat(
                net.Buffers.Select(b => (b.Name, Shape: Dims(b.Shape), b.Offset, Type: b.IsInt64 ? " int64" : ""))).ToList();
    }

    /// <summary>Throws when <paramref name="parameters"/> is shared: a network moving to a device would leave the other one
    /// reading stale host values.</summary>
    public static void RefuseDevice(float[] parameters, string network)
    {
        if (s_shared.TryGetValue(parameters, out var who))
            throw new InvalidOperationException($"{network} shares its parameter block ({who}); a shared block stays on the host, because a device " +
                "copy would not be seen by the other network. Run one network on the device without sharing, or both on the CPU path.");
    }

    private static string Dims(IReadOnlyList<int> shape) => string.Join(", ", shape);

    private static ArgumentException Mismatch(string network, INeuralNetwork other, string difference) =>
        new($"{network} cannot share {other.Name}'s parameters: {difference}. Networks share parameters only when every parameter and " +
            "buffer has the same name, shape and offset — the same layers over different input sizes, e.g. an SPP-net at 224×224 and at 180×180.",
            "sharesParametersWith");
}
