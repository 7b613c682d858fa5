namespace DeepPsych.Dsl.Data;

/// <summary>One mini-batch: a reused buffer of <see cref="Capacity"/> samples, of which the first <see cref="Count"/> are valid.</summary>
/// <remarks>A <see cref="BatchLoader"/> owns two of these and refills them in turn, so a batch is valid only until the
/// enumerator moves on. Copy what you need to keep.</remarks>
public sealed class Batch
{
    internal Batch(int capacity, int sampleLength)
    {
        Capacity = capacity;
        SampleLength = sampleLength;
        InputBuffer = new float[(long)capacity * sampleLength];
        LabelBuffer = new int[capacity];
    }

    /// <summary>The most samples the buffer holds.</summary>
    public int Capacity { get; }
    /// <summary>Floats per sample.</summary>
    public int SampleLength { get; }
    /// <summary>Valid samples in this batch (smaller than <see cref="Capacity"/> only for the last batch of an epoch).</summary>
    public int Count { get; internal set; }
    /// <summary>Index of this batch within its epoch (0-based).</summary>
    public int Index { get; internal set; }
    /// <summary>The epoch this batch belongs to.</summary>
    public int Epoch { get; internal set; }
    /// <summary>The valid inputs: <see cref="Count"/> × <see cref="SampleLength"/> floats.</summary>
    public ReadOnlySpan<float> Inputs => InputBuffer.AsSpan(0, Count * SampleLength);
    /// <summary>The valid labels.</summary>
    public ReadOnlySpan<int> Labels => LabelBuffer.AsSpan(0, Count);

    internal float[] InputBuffer { get; }
    internal int[] LabelBuffer { get; }
}

/// <summary>Cuts a <see cref="Dataset"/> into mini-batches in a seeded order, with the next batch gathered by a background
/// producer while the current one trains (double buffering).</summary>
/// <remarks>
/// <para>Order: epoch <c>e</c> visits the samples in <see cref="SeededShuffle.EpochOrder"/>(seed, e) when shuffling, in
/// data set order otherwise. The same seed gives the same batches, whether or not prefetching is on.</para>
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
    public BatchLoader(Dataset dataset, int batchSize, bool shuffle = true, int seed = 0, bool dropLast = false, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        Prefetch = prefetch;
        _slots = [new Batch(batchSize, dataset.SampleLength), new Batch(batchSize, dataset.SampleLength)];
        _order = new int[dataset.Count];
    }

    /// <summary>The data set batched.</summary>
    public Dataset Dataset { get; }
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
        int length = Dataset.SampleLength;
        var source = Dataset.Images;
        for (int i = 0; i < count; i++)
        {
            int sample = _order[start + i];
            Array.Copy(source, (long)sample * length, slot.InputBuffer, (long)i * length, length);
            slot.LabelBuffer[i] = Dataset.Labels[sample];
        }
        slot.Count = count;
        slot.Index = index;
        slot.Epoch = epoch;
    }
}
