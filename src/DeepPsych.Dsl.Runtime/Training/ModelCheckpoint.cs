using System.Globalization;
using DeepPsych.Dsl.Checkpoints;

namespace DeepPsych.Dsl.Training;

/// <summary>Saves checkpoints after every epoch (Keras' <c>ModelCheckpoint</c>): <c>last.safetensors</c> always, and
/// <c>best.safetensors</c> whenever the watched metric improves. Weights only, with PyTorch names, so each file loads
/// strictly into the PyTorch module; with <see cref="SaveOptimizerState"/> the optimizer's state goes to its own
/// <c>last.optimizer.safetensors</c> (<see cref="Checkpoint.OptimizerPath"/>, as PyTorch keeps the optimizer's
/// <c>state_dict</c> apart), so that <c>Checkpoint.Load(network, LastPath, optimizer)</c> resumes training.</summary>
public sealed class ModelCheckpoint : ITrainingCallback
{
    private readonly MetricTracker? _tracker;

    /// <summary>Creates the callback.</summary>
    /// <param name="directory">The folder (created if missing); files in it are replaced.</param>
    /// <param name="metric">The metric that decides the best epoch; null saves only <c>last</c>.</param>
    /// <param name="prefix">File name prefix, e.g. <c>lenet5-</c> gives <c>lenet5-best.safetensors</c>.</param>
    /// <param name="saveOptimizerState">Also write <c>last.optimizer.safetensors</c> to resume from.</param>
    public ModelCheckpoint(string directory, MonitoredMetric? metric = MonitoredMetric.ValLoss, string prefix = "", bool saveOptimizerState = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = System.IO.Path.GetFullPath(directory);
        Prefix = prefix;
        SaveOptimizerState = saveOptimizerState;
        if (metric is { } m) _tracker = new MetricTracker(m);
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }
    /// <summary>File name prefix.</summary>
    public string Prefix { get; }
    /// <summary>Whether the optimizer state is saved too.</summary>
    public bool SaveOptimizerState { get; }
    /// <summary>The last-epoch checkpoint.</summary>
    public string LastPath => System.IO.Path.Combine(Directory, Prefix + "last.safetensors");
    /// <summary>The best-epoch checkpoint.</summary>
    public string BestPath => System.IO.Path.Combine(Directory, Prefix + "best.safetensors");
    /// <summary>The optimizer state of the last epoch.</summary>
    public string OptimizerPath => Checkpoint.OptimizerPath(LastPath);
    /// <summary>The epoch (0-based) saved as best, or −1.</summary>
    public int BestEpoch => _tracker?.BestEpoch ?? -1;

    /// <inheritdoc/>
    public void OnEpochEnd(EpochEndContext context)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var network = context.Trainer.Network;
        var metadata = Metadata(context.Metrics);
        Checkpoint.Save(network, LastPath, SaveOptimizerState ? context.Trainer.Optimizer : null, overwrite: true, metadata: metadata);
        if (_tracker is not null && _tracker.Update(context.Metrics))
            Checkpoint.Save(network, BestPath, overwrite: true, metadata: new Dictionary<string, string>(metadata) { ["best_" + _tracker.Name] = _tracker.Best.ToString("R", CultureInfo.InvariantCulture) });
    }

    /// <summary>The epoch's figures as checkpoint metadata (<c>epoch</c> 1-based, <c>loss</c>, <c>val_loss</c> …).</summary>
    private static Dictionary<string, string> Metadata(EpochMetrics m) =>
        EpochLogFields.Of(m).Where(f => f.Value is not null).ToDictionary(f => f.Name, f => EpochLogFields.Format(f.Value, ""));
}
