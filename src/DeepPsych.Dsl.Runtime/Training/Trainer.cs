using System.Diagnostics;
using System.Numerics;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Optimizers;

namespace DeepPsych.Dsl.Training;

/// <summary>Trains a network, classifier or regression: epochs of seeded, prefetched (optionally augmented) mini-batches;
/// per step zero the gradients, forward + backward, optional clipping, the scheduled learning rate, the optimizer update
/// and a NaN/∞ check; per epoch a validation pass and the callbacks.</summary>
/// <remarks>
/// <para>Deterministic: with a deterministic network, the same seed, data and settings give the same weights bit for bit
/// (the order and the augmentations depend only on (seed, epoch, sample); prefetching changes when a batch is gathered,
/// never what it holds).</para>
/// <para>The schedule is indexed by <see cref="Optimizer.StepCount"/>, which checkpoints restore, so a resumed run
/// (<see cref="Fit"/> with <c>startEpoch</c>) continues the same learning-rate curve and the same batch order.</para>
/// <para>A training step allocates nothing: batches are double-buffered and the output buffer is allocated once per run.</para>
/// <para>Without callbacks (and with <see cref="TrainerOptions.Verbose"/>), one line per epoch is printed to the console.</para>
/// </remarks>
public sealed class Trainer
{
    /// <summary>Creates a trainer.</summary>
    /// <param name="network">The network: a classifier (<see cref="Loss.SoftmaxCrossEntropy"/>, trained on class labels)
    /// or a regression network (<see cref="Loss.MeanSquaredError"/>, trained on float targets).</param>
    /// <param name="optimizer">Updates the parameters.</param>
    /// <param name="schedule">Sets the learning rate before each step; null keeps the optimizer's.</param>
    /// <param name="options">Settings; defaults when null.</param>
    public Trainer(INeuralNetwork network, Optimizer optimizer, ILearningRateSchedule? schedule = null, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        Network = network;
        Optimizer = optimizer;
        Schedule = schedule;
        Options = options ?? new TrainerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BatchSize, 1, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfNegative(Options.Epochs, "options.Epochs");
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.EvaluationBatchSize, 1, "options.EvaluationBatchSize");
    }

    /// <summary>The network trained.</summary>
    public INeuralNetwork Network { get; }
    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer { get; }
    /// <summary>The learning-rate schedule, or null.</summary>
    public ILearningRateSchedule? Schedule { get; }
    /// <summary>The settings.</summary>
    public TrainerOptions Options { get; }
    /// <summary>Callbacks, called in order.</summary>
    public List<ITrainingCallback> Callbacks { get; } = [];
    /// <summary>Whether the network is a classifier (trained on labels) rather than a regression network.</summary>
    public bool IsClassifier => Network.Loss == Loss.SoftmaxCrossEntropy;
    /// <summary>The history of the current or last <see cref="Fit"/>: the completed epochs, also after an exception
    /// (divergence, cancellation), so that a caller can still save them.</summary>
    public TrainingHistory? History { get; private set; }
    /// <summary>Factor applied to the schedule's rate (1 until <see cref="ScaleLearningRate"/> lowers it).</summary>
    public float LearningRateFactor { get; private set; } = 1f;

    /// <summary>Multiplies the learning rate from the next step on by <paramref name="factor"/> (e.g. by
    /// <see cref="ReduceLearningRateOnPlateau"/>): the schedule's rate when there is a schedule, the optimizer's otherwise.</summary>
    public void ScaleLearningRate(float factor)
    {
        if (!(factor > 0) || !float.IsFinite(factor)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be positive and finite.");
        if (Schedule is null) Optimizer.LearningRate *= factor;
        else LearningRateFactor *= factor;
    }

    /// <summary>Trains for epochs [<paramref name="startEpoch"/>, <see cref="TrainerOptions.Epochs"/>) on
    /// <paramref name="train"/>, evaluating on <paramref name="validation"/> after each epoch when given.</summary>
    /// <param name="train">Training samples (any <see cref="IDataset"/>: in memory, an image folder, your own).</param>
    /// <param name="validation">Held-out samples evaluated after each epoch (<c>val_loss</c>, <c>val_accuracy</c>), or null.</param>
    /// <param name="startEpoch">First epoch to run (0-based), for resuming from a checkpoint (its batch order is that epoch's).</param>
    /// <param name="cancellationToken">Stops between batches with <see cref="OperationCanceledException"/>;
    /// <see cref="History"/> keeps the completed epochs.</param>
    /// <returns>Per-epoch metrics.</returns>
    /// <exception cref="TrainingDivergedException">A loss, gradient or parameter became NaN or ±∞.</exception>
    public TrainingHistory Fit(IDataset train, IDataset? validation = null, int startEpoch = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        train.CheckFits(Network);
        validation?.CheckFits(Network);

        var history = History = new TrainingHistory
        {
            Network = Network.Name,
            ArchitectureHash = Network.ArchitectureHash,
            Optimizer = Optimizer.ToString() ?? Optimizer.Kind,
            Schedule = Schedule?.ToString(),
            Seed = Options.Seed,
            BatchSize = Options.BatchSize,
            PlannedEpochs = Options.Epochs,
            TrainSamples = train.Count,
            ValidationSamples = validation?.Count ?? 0,
            Augmentations = [.. Options.Augmentations.Select(a => a.ToString() ?? a.GetType().Name)],
        };
        var loader = new BatchLoader(train, Options.BatchSize, Options.Shuffle, Options.Seed, Options.DropLast, Options.Prefetch, Options.Augmentations);
        var outputs = new float[Options.BatchSize * Network.OutputLength];
        var callbacks = Callbacks.Count > 0 || !Options.Verbose ? Callbacks : [new LoggingCallback(Options.ReportWriter ?? Console.Out, every: 0)];

        for (int epoch = startEpoch; epoch < Options.Epochs; epoch++)
        {
            var metrics = RunEpoch(loader, epoch, outputs, validation, callbacks, cancellationToken);
            history.Epochs.Add(metrics);
            var context = new EpochEndContext(metrics, history, Options.Epochs, this);
            foreach (var callback in callbacks) callback.OnEpochEnd(context);
            if (context.StopRequested)
            {
                history.StopReason = context.StopReason;
                break;
            }
        }
        foreach (var callback in callbacks) callback.OnTrainEnd(history, this);
        return history;
    }

    /// <summary>Evaluates the network on <paramref name="data"/> (see <see cref="Evaluator.Evaluate"/>).</summary>
    public EvaluationResult Evaluate(IDataset data, CancellationToken cancellationToken = default) =>
        Evaluator.Evaluate(Network, data, Options.EvaluationBatchSize, cancellationToken);

    private EpochMetrics RunEpoch(BatchLoader loader, int epoch, float[] outputs, IDataset? validation, List<ITrainingCallback> callbacks, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long samples = 0, correct = 0;
        float lr = Optimizer.LearningRate;
        int outputLength = Network.OutputLength;
        bool classifier = IsClassifier;
        foreach (var batch in loader.GetBatches(epoch, cancellationToken))
        {
            long step = Optimizer.StepCount;
            int count = batch.Count;
            var output = outputs.AsSpan(0, count * outputLength);

            Network.ZeroGradients();
            float loss;
            int batchCorrect = -1;
            if (classifier)
            {
                loss = Network.ComputeGradients(batch.Inputs, batch.Labels, count, output);
                var labels = batch.Labels;
                batchCorrect = 0;
                for (int i = 0; i < count; i++)
                    if (Evaluator.ArgMax(output.Slice(i * outputLength, outputLength)) == labels[i]) batchCorrect++;
                correct += batchCorrect;
            }
            else
            {
                loss = Network.ComputeGradients(batch.Inputs, batch.Targets, count, output);
            }

            float norm = float.NaN;
            if (Options.ClipGradientNorm is { } maxNorm) norm = GradientClipping.ClipByGlobalNorm(Network, maxNorm);
            if (Options.ClipGradientValue is { } clip) GradientClipping.ClipByValue(Network, clip);
            if (Options.DetectNonFinite && (!float.IsFinite(loss) || !AllFinite(Network, gradients: true)))
                throw Diverged("the loss or a gradient", step, epoch, batch.Index, loss, lr);

            if (Schedule is not null) Optimizer.LearningRate = Schedule.LearningRate(step) * LearningRateFactor;
            lr = Optimizer.LearningRate;
            Optimizer.Step(Network);
            if (Options.DetectNonFinite && !AllFinite(Network, gradients: false))
                throw Diverged("a parameter (after the update)", step, epoch, batch.Index, loss, lr);

            lossSum += (double)loss * count;
            samples += count;
            var info = new BatchEndInfo(epoch, batch.Index, loader.BatchesPerEpoch, Optimizer.StepCount, loss, lr, norm, count, batchCorrect, Options.Epochs);
            foreach (var callback in callbacks) callback.OnBatchEnd(in info);
        }
        double seconds = clock.Elapsed.TotalSeconds;

        EvaluationResult? evaluation = null;
        clock.Restart();
        if (validation is not null && Options.EvaluateEachEpoch)
        {
            foreach (var callback in callbacks) callback.OnValidationBegin(this);
            try { evaluation = Evaluate(validation, cancellationToken); }
            finally { foreach (var callback in callbacks) callback.OnValidationEnd(this); }
        }
        double evaluationSeconds = clock.Elapsed.TotalSeconds;

        return new EpochMetrics
        {
            Epoch = epoch,
            TrainLoss = samples == 0 ? double.NaN : lossSum / samples,
            TrainAccuracy = !classifier ? null : samples == 0 ? double.NaN : (double)correct / samples,
            ValLoss = evaluation?.Loss,
            ValAccuracy = classifier ? evaluation?.Accuracy : null,
            Validation = evaluation,
            LearningRate = lr,
            Steps = Optimizer.StepCount,
            Seconds = seconds,
            EvaluationSeconds = evaluationSeconds,
            ImagesPerSecond = seconds > 0 ? samples / seconds : 0,
        };
    }

    private TrainingDivergedException Diverged(string what, long step, int epoch, int batch, float loss, float lr)
    {
        // The network knows which layer's output went bad first; otherwise point at the first bad tensor.
        string? layer = Network.FirstNonFiniteLayer();
        string where;
        if (layer is not null) where = $"first in the output of layer '{layer}'";
        else if ((layer = FirstNonFiniteTensor(gradients: true)) is not null) where = $"first in the gradient of parameter tensor '{layer}'";
        else if ((layer = FirstNonFiniteTensor(gradients: false)) is not null) where = $"first in parameter tensor '{layer}'";
        else where = "in the loss only";
        return new TrainingDivergedException(
            $"Training of {Network.Name} diverged at step {step} (epoch {epoch + 1}, batch {batch + 1}): {what} became NaN or ±∞, {where}. " +
            $"Loss {loss}, learning rate {lr}. Lower the learning rate or clip gradients (TrainerOptions.ClipGradientNorm).",
            layer, step, epoch, batch, loss);
    }

    private string? FirstNonFiniteTensor(bool gradients)
    {
        foreach (var t in Network.ParameterTensors)
            if (!AllFinite(gradients ? t.Gradients : t.Values)) return t.Name;
        return null;
    }

    /// <summary>Whether every gradient (or parameter) of <paramref name="network"/> is finite, checked on the device the
    /// network runs on (one reduction; the blocks stay there) or on the host.</summary>
    private static bool AllFinite(INeuralNetwork network, bool gradients) => network is IDeviceTrainable { DeviceState: { } device }
        ? (gradients ? device.GradientStatistics() : device.ParameterStatistics()).AllFinite
        : AllFinite(gradients ? network.Gradients : network.Parameters);

    /// <summary>Whether every value is finite: x − x is 0 for finite x and NaN for NaN or ±∞, so one vector sum decides.</summary>
    internal static bool AllFinite(ReadOnlySpan<float> values)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values.Slice(i));
            acc += v - v;
        }
        float tail = 0;
        for (; i < values.Length; i++) tail += values[i] - values[i];
        return Vector.Dot(acc, Vector<float>.One) == 0 && tail == 0;
    }
}
