using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Distributed.DataParallel;

/// <summary>A trainer callback that proves after every epoch that all ranks hold bit-identical weights (a 64-bit hash of
/// the parameter block, compared over the ranks) and reports the hash; a mismatch stops training with a
/// <see cref="DistributedException"/> naming the hashes. Add it on every rank: the check is a collective.</summary>
public sealed class ReplicaCheck(DataParallelNetwork replicas, Action<string>? report = null) : ITrainingCallback
{
    /// <summary>The hash after each epoch, in order.</summary>
    public List<ulong> Hashes { get; } = [];

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        ulong hash = replicas.VerifyInSync();
        Hashes.Add(hash);
        report?.Invoke($"epoch {context.Metrics.Number}: the {replicas.Communicator.Size} replicas are identical (parameter hash {hash:x16}); all-reduce {replicas.AllReduceSeconds:F2} s so far");
    }
}
