namespace DeepPsych.Dsl.Data;

/// <summary>One mini-batch: a reused buffer of <see cref="Capacity"/> samples, of which the first <see cref="Count"/> are valid.</summary>
/// <remarks>A <see cref="BatchLoader"/> owns two of these and refills them in turn, so a batch is valid only until the
/// enumerator moves on. Copy what you need to keep.</remarks>
public sealed class Batch
{
    internal Batch(int capacity, int sampleLength, int targetLength)
    {
        Capacity = capacity;
        SampleLength = sampleLength;
        TargetLength = targetLength;
        InputBuffer = new float[(long)capacity * sampleLength];
        LabelBuffer = new int[capacity];
        TargetBuffer = new float[(long)capacity * targetLength];
    }

    /// <summary>The most samples the buffer holds.</summary>
    public int Capacity { get; }
    /// <summary>Floats per sample.</summary>
    public int SampleLength { get; }
    /// <summary>Target floats per sample (regression); 0 for classification.</summary>
    public int TargetLength { get; }
    /// <summary>Valid samples in this batch (smaller than <see cref="Capacity"/> only for the last batch of an epoch).</summary>
    public int Count { get; internal set; }
    /// <summary>Index of this batch within its epoch (0-based).</summary>
    public int Index { get; internal set; }
    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; internal set; }
    /// <summary>The valid inputs: <see cref="Count"/> × <see cref="SampleLength"/> floats.</summary>
    public ReadOnlySpan<float> Inputs => InputBuffer.AsSpan(0, Count * SampleLength);
    /// <summary>The valid labels (classification; −1 each for regression).</summary>
    public ReadOnlySpan<int> Labels => LabelBuffer.AsSpan(0, Count);
    /// <summary>The valid targets (regression): <see cref="Count"/> × <see cref="TargetLength"/> floats; empty for classification.</summary>
    public ReadOnlySpan<float> Targets => TargetBuffer.AsSpan(0, Count * TargetLength);

    internal float[] InputBuffer { get; }
    internal int[] LabelBuffer { get; }
    internal float[] TargetBuffer { get; }
}

/// <summary>Cuts an <see cref="IDataset"/> into mini-batches in a seeded order, with the next batch gathered by a background
/// producer while the current one trains (double buffering).</summary>
/// <remarks>
/// <para>Order: epoch <c>e</c> visits the samples in <see cref="SeededShuffle.EpochOrder"/>(seed, e) when shuffling, in
/// data set order otherwise. The same seed gives the same batches, whether or not prefetching is on.</para>
/// <para>Augmentation: each sample of a batch is read, then passed through <see cref="Augmentations"/> in order with a
/// random stream that depends only on (seed, epoch, sample index) (<see cref="SeededRandom.For"/>).</para>
/// <para>Memory: two <see cref="Batch"/> buffers and one index array, allocated once. An epoch allocates a producer task
/// and an enumerator; a batch allocates nothing.</para>
/// <para>Protocol: two slots, two semaphores. The producer waits for a free slot, gathers batch k+1 into it and signals
/// "full"; the consumer, on moving past batch k, frees its slot and waits for batch k+1.</para>
/// </remarks>
public sealed class BatchLoader
{
    private readonly Batch[] _slots;
    private readonly int[] _order;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Visit the samples in a seeded random order each epoch.</param>
    /// <param name="seed">Seed of the order.</param>
    /// <param name="dropLast">Skip the last, smaller batch of an epoch.</param>
    /// <param name="prefetch">Gather the next batch on a background task while the current one is used.</param>
    /// <param name="augmentations">Random changes applied to each sample as it is gathered (training only), in order.</param>
    public BatchLoader(IDataset dataset, int batchSize, bool shuffle = true, int seed = 0, bool dropLast = false, bool prefetch = true,
        IReadOnlyList<IAugmentation>? augmentations = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Prefetch = prefetch;
        Augmentations = augmentations ?? [];
        _slots = [new Batch(batchSize, dataset.SampleLength, dataset.TargetLength), new Batch(batchSize, dataset.SampleLength, dataset.TargetLength)];
        _order = new int[dataset.Count];
    }

    /// <summary>The data set batched.</summary>
    public IDataset Dataset { get; }
    /// <summary>Random changes applied to each sample as it is gathered.</summary>
    public IReadOnlyList<IAugmentation> Augmentations { get; }
    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Whether each epoch visits the samples in a seeded random order.</summary>
    public bool Shuffle { get; }
    /// <summary>Seed of the order.</summary>
    public int Seed { get; }
    /// <summary>Whether the last, smaller batch is skipped.</summary>
    public bool DropLast { get; }
    /// <summary>Whether batches are gathered ahead on a background task.</summary>
    public bool Prefetch { get; }
    /// <summary>Batches in one epoch.</summary>
    public int BatchesPerEpoch => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/>. Each <see cref="Batch"/> is a reused buffer, valid until
    /// the next <c>MoveNext</c>. Only one epoch may be enumerated at a time.</summary>
    public IEnumerable<Batch> GetBatches(int epoch, CancellationToken cancellationToken = default)
    {
        if (Shuffle) SeededShuffle.EpochOrder(_order, Dataset.Count, Seed, epoch);
        else for (int i = 0; i < _order.Length; i++) _order[i] = i;
        return Prefetch ? Prefetched(epoch, cancellationToken) : Sequential(epoch, cancellationToken);
    }

    private IEnumerable<Batch> Sequential(int epoch, CancellationToken cancellationToken)
    {
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slot = _slots[b & 1];
            Fill(slot, epoch, b);
            yield return slot;
        }
    }

    private IEnumerable<Batch> Prefetched(int epoch, CancellationToken cancellationToken)
    {
        int batches = BatchesPerEpoch;
        using var free = new SemaphoreSlim(2);
        using var full = new SemaphoreSlim(0);
        var stop = false;
        Exception? producerError = null;

        var producer = Task.Factory.StartNew(() =>
        {
            try
            {
                for (int b = 0; b < batches; b++)
                {
                    free.Wait();
                    if (Volatile.Read(ref stop)) return;
                    Fill(_slots[b & 1], epoch, b);
                    full.Release();
                }
            }
            catch (Exception e)
            {
                producerError = e;
                full.Release();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            for (int b = 0; b < batches; b++)
            {
                if (b > 0) free.Release(); // the consumer is done with batch b-1: its slot may be refilled
                full.Wait(cancellationToken);
                if (producerError is { } error)
                    throw new InvalidOperationException($"Gathering batch {b} of epoch {epoch} failed: {error.Message}", error);
                yield return _slots[b & 1];
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            free.Release(); // wake a producer waiting for a slot so that it sees 'stop' and returns
            producer.Wait();
        }
    }

    private void Fill(Batch slot, int epoch, int index)
    {
        int start = index * BatchSize;
        int count = Math.Min(BatchSize, Dataset.Count - start);
        int length = Dataset.SampleLength, targetLength = Dataset.TargetLength;
        var shape = Dataset.SampleShape;
        for (int i = 0; i < count; i++)
        {
            int sample = _order[start + i];
            var input = slot.InputBuffer.AsSpan(i * length, length);
            slot.LabelBuffer[i] = Dataset.Read(sample, input, slot.TargetBuffer.AsSpan(i * targetLength, targetLength));
            if (Augmentations.Count == 0) continue;
            var random = SeededRandom.For(Seed, epoch, sample);
            for (int a = 0; a < Augmentations.Count; a++) Augmentations[a].Apply(input, shape, ref random);
        }
        slot.Count = count;
        slot.Index = index;
        slot.Epoch = epoch;
    }
}
