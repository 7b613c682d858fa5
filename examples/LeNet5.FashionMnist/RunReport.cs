using DeepPsych.Dsl;
using System.Globalization;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace Examples.FashionMnist;

/// <summary>Writes the run's files after every epoch (and once more at the end with the final test figures), so that
/// a crash, a divergence or Ctrl+C loses at most the epoch in progress.</summary>
public sealed class RunReport(RunDirectory run, NetworkChoice choice, INeuralNetwork network, Optimizer optimizer, BatchCurve curve, Normalization normalization, Options options, string[] args) : ITrainingCallback
{
    /// <summary>What a run of <paramref name="name"/> writes (lenet5: lenet5.safetensors, filters_c1.png, ...).</summary>
    public static string[] FilesFor(string name, INeuralNetwork network) =>
        ["metrics.json", $"{name}.safetensors", $"{name}.optimizer.safetensors", "loss.png", "accuracy.png", "confusion_matrix.png", "confusion_matrix.txt", FiltersFile(network)];

    /// <summary>What this run writes.</summary>
    public string[] Files => FilesFor(choice.Name, network);

    /// <summary>The first convolution's weights (LeNet-5: C1; ResNet-20: its 3x3 stem Conv1): the filters worth looking at,
    /// as they see the image itself.</summary>
    public static ParameterTensor FirstConvolution(INeuralNetwork network) => network.ParameterTensors.First(p => p.Shape.Count == 4);

    /// <summary>filters_c1.png for LeNet-5, filters_conv1.png for ResNet-20: named after the layer drawn.</summary>
    public static string FiltersFile(INeuralNetwork network) => $"filters_{FirstConvolution(network).Name.Split('.')[0].ToLowerInvariant()}.png";

    public void OnEpochEnd(EpochEndContext context) => Write(context.History, context.Metrics.Validation);

    /// <summary>metrics.json only (e.g. after an interruption, to record why the run stopped).</summary>
    public void WriteMetrics(TrainingHistory history)
    {
        Describe(history);
        history.Save(run.File("metrics.json"));
    }

    /// <summary>Every file, for the epochs so far; <paramref name="evaluation"/> is the latest test evaluation.</summary>
    public void Write(TrainingHistory history, EvaluationResult? evaluation)
    {
        WriteMetrics(history);
        var metadata = new Dictionary<string, string> { ["epochs"] = history.Epochs.Count.ToString(CultureInfo.InvariantCulture) };
        if (evaluation is not null) metadata["test_accuracy"] = evaluation.Accuracy.ToString("R", CultureInfo.InvariantCulture);
        // Weights (and BatchNorm's running statistics) only in lenet5.safetensors, so that PyTorch loads them strictly;
        // the optimizer state goes to its own lenet5.optimizer.safetensors (Checkpoint.OptimizerPath), as PyTorch keeps
        // the optimizer's state_dict apart. Checkpoint.Load(net, "lenet5.safetensors", optimizer) resumes from the pair.
        Checkpoint.Save(network, run.File($"{choice.Name}.safetensors"), optimizer, overwrite: true, metadata: metadata);
        Reports.LossCurve(curve, history, run.File("loss.png"), choice.Title);
        Reports.AccuracyCurve(history, run.File("accuracy.png"), choice.Title);
        if (evaluation is not null)
        {
            File.WriteAllText(run.File("confusion_matrix.txt"), evaluation.FormatConfusionMatrix());
            Reports.ConfusionMatrix(evaluation, run.File("confusion_matrix.png"));
        }
        Reports.Filters(FirstConvolution(network), run.File(FiltersFile(network)));
    }

    /// <summary>What metrics.json needs to stand alone: the input normalisation and the settings of the run.</summary>
    private void Describe(TrainingHistory history)
    {
        history.Normalization = new NormalizationRecord([normalization.Mean], [normalization.Std]);
        var s = history.Settings;
        s["command_line"] = string.Join(" ", args);
        s["network"] = choice.Name;
        s["augment"] = options.Augment;
        s["data"] = options.Data ?? DeepPsych.Dsl.Data.FashionMnist.DefaultDirectory;
        s["train_images"] = history.TrainSamples.ToString(CultureInfo.InvariantCulture);
        s["per_epoch_evaluation"] = "the Fashion-MNIST test set (10,000 images; the recipe trains on all training images, so there is no separate validation split)";
        s["backend"] = options.Backend;
        s["threads"] = network.Threads.ToString(CultureInfo.InvariantCulture);
        s["weight_decay"] = options.WeightDecay.ToString("R", CultureInfo.InvariantCulture);
        s["decay_biases"] = "false";
    }
}
