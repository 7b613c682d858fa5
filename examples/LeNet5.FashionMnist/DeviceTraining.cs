using System.Diagnostics;
using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu;
using DeepPsych.Dsl.Ilgpu.Training;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace Examples.FashionMnist;

/// <summary>Training on an ILGPU device (<c>--backend ilgpu-cpu | opencl[:i] | cuda[:i]</c>). Parameters, activations,
/// gradients and optimizer state stay on the device for the whole run; each step uploads a batch and downloads the
/// per-sample losses. After each epoch the weights come back into the generated network, which evaluates on the CPU.</summary>
/// <remarks>The generator does not emit device code yet, so the device runs <see cref="DeviceSequential"/> over the
/// same layer list (<see cref="Architectures.LeNet5"/>); the parameter layouts are checked to be identical and the run
/// starts from the generated network's initial weights.</remarks>
public static class DeviceTraining
{
    public static TrainingHistory Fit(LeNet5 net, Options options, Dataset train, Dataset test, Optimizer optimizer,
        ILearningRateSchedule schedule, IReadOnlyList<ITrainingCallback> callbacks)
    {
        IlgpuDevices.Register();
        using var backend = DeviceBackends.Open(Device.Parse(options.Backend));
        backend.WarmUp();
        using var device = new DeviceSequential(backend, Architectures.LeNet5, (1, 28, 28), maxBatch: options.BatchSize);
        var table = device.ParameterTable();
        var tensors = net.ParameterTensors;
        if (table.Count != tensors.Count || table.Zip(tensors).Any(p => p.First.Name != p.Second.Name || p.First.Offset != p.Second.Offset || p.First.Length != p.Second.Length))
            throw new InvalidOperationException("The device layer list does not lay out parameters as the generated LeNet5 does: "
                + string.Join(", ", table.Select(t => $"{t.Name}@{t.Offset}+{t.Length}")) + " vs " + string.Join(", ", tensors.Select(t => $"{t.Name}@{t.Offset}+{t.Length}")));
        backend.Upload<float>(net.Parameters, device.Parameters);
        device.Seed = options.Seed;

        var loader = new BatchLoader(train, options.BatchSize, shuffle: true, seed: options.Seed);
        var history = new TrainingHistory
        {
            Network = net.Name, ArchitectureHash = net.ArchitectureHash, Optimizer = optimizer.ToString() ?? "",
            Seed = options.Seed, BatchSize = options.BatchSize,
        };
        long step = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            long samples = 0;
            foreach (var batch in loader.GetBatches(epoch))
            {
                optimizer.LearningRate = schedule.LearningRate(step);
                device.ZeroGradients();
                float loss = device.ComputeGradients(batch.Inputs, batch.Labels, batch.Count);
                device.Update(optimizer);
                step++;
                lossSum += (double)loss * batch.Count;
                samples += batch.Count;
                // Correct = -1: the device step does not bring the outputs back, so no running accuracy.
                var info = new BatchEndInfo(epoch, batch.Index, loader.BatchesPerEpoch, step, loss, optimizer.LearningRate, float.NaN, batch.Count, -1, options.Epochs);
                foreach (var callback in callbacks) callback.OnBatchEnd(in info);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            backend.Download(device.Parameters.View, net.Parameters);
            clock.Restart();
            var evaluation = Evaluator.Evaluate(net, test);
            Console.WriteLine($"epoch {epoch + 1}: test accuracy {evaluation.Accuracy:P2}, test loss {evaluation.Loss:F4}");
            history.Epochs.Add(new EpochMetrics
            {
                Epoch = epoch, TrainLoss = lossSum / samples, TrainAccuracy = double.NaN, TestLoss = evaluation.Loss, TestAccuracy = evaluation.Accuracy,
                Test = evaluation, LearningRate = optimizer.LearningRate, Steps = step, Seconds = seconds,
                EvaluationSeconds = clock.Elapsed.TotalSeconds, ImagesPerSecond = samples / seconds,
            });
        }
        return history;
    }
}
