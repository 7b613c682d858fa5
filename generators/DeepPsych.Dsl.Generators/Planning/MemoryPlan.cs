namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>One per-sample buffer of a workspace: its field name, element type, floats (or ints) per sample (the constant's
/// name, and its value) and why it exists.</summary>
internal sealed record BufferPlan(string Field, bool IsInt, string PerSample, string Why, int Elements = 0);

/// <summary>The memory plan, computed at build time: the buffers a batch shard (CPU) or the device workspace needs, per
/// sample. Every value forward produces is kept (backward and FirstNonFiniteLayer read them; a view such as Flatten
/// has no buffer), with what each kind keeps for backward beside it (max-pool switches, dropout masks). Gradients of
/// values live in the slots the gradient planner assigned by liveness: a chain needs two, ping-pong.</summary>
internal static class MemoryPlan
{
    public static IReadOnlyList<BufferPlan> PerSample(NetworkPlan plan)
    {
        var buffers = new List<BufferPlan> { new("Input", false, "InputLength", "the shard's inputs", plan.InputLength) };
        foreach (var node in plan.Nodes)
        {
            if (node.Options.OwnsOutput) buffers.Add(new(node.Name + "Output", false, node.Name + "Size", $"{node.Name}'s output y", node.OutputLength));
            foreach (var saved in node.Options.Saved)
                buffers.Add(new(node.Name + saved.Suffix, saved.IsInt, node.Name + "Size", saved.Why, node.OutputLength));
        }
        for (int s = 0; s < plan.Backward.Slots.Length; s++)
        {
            var slot = plan.Backward.Slots[s];
            buffers.Add(new(GradientSlotField(s), false, slot.PerSample.ToString(),
                $"dL/dy of {string.Join(", ", slot.Values.Select(v => plan.Nodes[v].Name))} in turn (live one at a time); the largest is {slot.PerSample} floats", slot.PerSample));
        }
        buffers.Add(plan.Loss == Loss.SoftmaxCrossEntropy
            ? new BufferPlan("Labels", true, "1", "class labels", 1)
            : new BufferPlan("Targets", false, "OutputLength", "regression targets", plan.Output.OutputLength));
        return buffers;
    }

    /// <summary>Bytes of cache a shard's workspace aims to fit: a share of the last-level cache, as the convolution's weight
    /// gradient chunks (Conv2DOp.WeightGradientChunkBytes). LeNet-5's workspace takes 65 KB per sample, so a round of 128 samples
    /// per shard: what a batch of 256 gives each of two shards, the batch at which its throughput was measured best.</summary>
    private const long WorkspaceBytes = 8L << 20;

    /// <summary>The fewest samples a round gives each shard, whatever the workspace per sample: fewer would turn a dense
    /// layer's GEMM into a matrix-vector product that streams its weights once per sample (VGG's 400 MB fc6).</summary>
    private const int MinimumMicroBatch = 32;

    /// <summary>Samples a shard runs at once (a round): a batch larger than shards × MicroBatch runs in rounds that reuse the
    /// same workspaces, so their size stays that of the cache rather than growing with the batch.</summary>
    public static int MicroBatch(NetworkPlan plan)
        => (int)Math.Max(MinimumMicroBatch, WorkspaceBytes / BytesPerSample(plan));

    /// <summary>Bytes of activations a depth-first inference chunk aims to keep in a core's own cache (half of a 1 MiB L2),
    /// so each layer reads what the one before it wrote from there rather than from the shared cache.</summary>
    private const long InferenceChunkBytes = 512L << 10;

    /// <summary>The fewest samples worth a chunk: below this the per-call costs of the ops outweigh the cache.</summary>
    private const int MinimumInferenceChunk = 4;

    /// <summary>Samples in the widest vector of the runtime's sample-lane convolutions (Conv2DOp.SampleLanes: 16 with AVX-512,
    /// 8 with AVX2, 4 with SSE, all dividing it): a chunk of at least half this many is rounded to whole such vectors, or
    /// its last samples would fall back to the slower per-sample kernels.</summary>
    private const int SampleVector = 16;

    /// <summary>Samples per depth-first inference chunk for the layers <paramref name="prefix"/> (the network input and
    /// their outputs held per sample), or 0 when fewer than <see cref="MinimumInferenceChunk"/> fit the cache budget.
    /// Measured on LeNet-5 (34,656 bytes a sample before F5) at batch 256, old and new programs interleaved over 5 rounds:
    /// before the sample-lane convolutions, chunks of 8 samples 1.046× whole shards (16: 1.025×); with them, 16 samples
    /// 1.21× (1.19–1.27) chunks of 7, and 32 samples 0.97× chunks of 16.</summary>
    public static int InferenceChunk(NetworkPlan plan, IEnumerable<int> prefix)
    {
        long bytes = 4L * (plan.InputLength + prefix.Where(i => plan.Nodes[i].Options.OwnsOutput).Sum(i => (long)plan.Nodes[i].OutputLength));
        long chunk = InferenceChunkBytes / Math.Max(1, bytes);
        if (chunk >= SampleVector / 2) chunk = Math.Max(SampleVector, (chunk + SampleVector / 2) / SampleVector * SampleVector);
        return chunk >= MinimumInferenceChunk ? (int)Math.Min(chunk, int.MaxValue) : 0;
    }

    /// <summary>Bytes of a shard's workspace per sample (floats and ints are 4 bytes each).</summary>
    public static long BytesPerSample(NetworkPlan plan) => 4L * PerSample(plan).Sum(b => (long)b.Elements);

    /// <summary>The workspace field of a gradient slot: GradA, GradB, …</summary>
    public static string GradientSlotField(int slot) => slot < 26 ? "Grad" + (char)('A' + slot) : "Grad" + slot;

    /// <summary>The workspace array holding the network output: the output node's, or its view's source (Flatten).</summary>
    public static string OutputField(NetworkPlan plan)
    {
        int value = Holder(plan, plan.OutputNode);
        return value < 0 ? "Input" : plan.Nodes[value].Name + "Output";
    }

    /// <summary>The node whose buffer holds <paramref name="value"/>: itself, or through views (Flatten) the node they show;
    /// <see cref="NetworkGraph.NetworkInput"/> for the network input.</summary>
    public static int Holder(NetworkPlan plan, int value)
    {
        while (value >= 0 && !plan.Nodes[value].Options.OwnsOutput) value = plan.Nodes[value].Layer.Inputs[0];
        return value;
    }
}
