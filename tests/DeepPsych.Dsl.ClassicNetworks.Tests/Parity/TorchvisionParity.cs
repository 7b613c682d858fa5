using System.Diagnostics;
using System.Globalization;
using System.Text;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Tests.Checkpoints;

namespace DeepPsych.Dsl.ClassicNetworks.Tests.Parity;

/// <summary>A fact that needs PyTorch and torchvision under <c>/usr/bin/python3</c>; skipped, with the reason shown,
/// when either is missing.</summary>
public sealed class TorchvisionFactAttribute : FactAttribute
{
    public TorchvisionFactAttribute()
    {
        if (TorchPython.UnavailableFor("torchvision") is { } reason) Skip = reason;
    }
}

/// <summary>One tensor compared: the largest error and what it was allowed.</summary>
/// <param name="Name">The tensor (PyTorch name for gradients).</param>
/// <param name="MaxError">max |ours − theirs|.</param>
/// <param name="WorstIndex">Where that error is.</param>
/// <param name="Largest">max |theirs|, the scale of <see cref="TorchvisionParity.AbsoluteTolerance"/>.</param>
/// <param name="Failures">Elements outside the tolerance.</param>
public sealed record TensorComparison(string Name, double MaxError, int WorstIndex, double Largest, int Failures)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: max |error| {MaxError:G3} at [{WorstIndex}] (largest |value| {Largest:G3}){(Failures > 0 ? $", {Failures} elements outside the tolerance" : "")}");
}

/// <summary>
/// Parity of a declared network with a torchvision model, written once for every classic network:
/// <c>Check&lt;AlexNet&gt;("torchvision.models.alexnet()")</c>. <c>Parity/torchvision_parity.py</c> builds the model
/// with a fixed seed and writes its <c>state_dict</c>, a random batch, the eval-mode logits, and the loss and every
/// parameter gradient of one training-mode batch; the network loads the <c>state_dict</c> with
/// <see cref="Checkpoint.LoadPyTorch"/> (so every parameter must exist under its <see cref="PyTorchNames"/> name with
/// its shape, and nothing else may), then must reproduce the logits, the training-mode outputs, the loss and every
/// gradient within |ours − theirs| ≤ <see cref="RelativeTolerance"/>·|theirs| + <see cref="AbsoluteTolerance"/>·max|theirs|
/// per tensor.
/// </summary>
/// <remarks>Dropout stays on in the training-mode batch: the script replaces torchvision's <c>nn.Dropout</c> by a module
/// that draws this project's counter-based mask for (<see cref="INeuralNetwork.Seed"/>, <see cref="INeuralNetwork.Step"/>),
/// reimplemented in Python from <c>DropoutOp</c>'s documentation, so both sides drop the same elements.
/// The input is the network's declared input shape; memory is about four float copies of the parameters on each side
/// (VGG-16: 0.55 GB each), and the files written (state_dict and gradients, two copies) are deleted afterwards.</remarks>
public static class TorchvisionParity
{
    public const double RelativeTolerance = 1e-3;
    public const double AbsoluteTolerance = 1e-4;

    /// <summary>Runs the comparison and returns every tensor's comparison; fails the test, listing each tensor outside
    /// the tolerance, when any is. Writes each comparison, the time of each phase and the peak memory to
    /// <paramref name="log"/>.</summary>
    /// <typeparam name="TNetwork">The declared network.</typeparam>
    /// <param name="torchvisionModel">A Python expression that builds the model, e.g. <c>torchvision.models.vgg16()</c>.</param>
    /// <param name="log">Where to write the report (a test's output), or null.</param>
    /// <param name="batch">Samples in the batch.</param>
    /// <param name="seed">torch.manual_seed before the model is built; the batch is drawn from seed + 1.</param>
    /// <param name="dropoutSeed">The network's dropout <see cref="INeuralNetwork.Seed"/> in the training-mode batch.</param>
    /// <param name="dropoutStep">The network's <see cref="INeuralNetwork.Step"/> in the training-mode batch.</param>
    /// <param name="reference64">Also compute PyTorch's gradients in float64 and judge each of ours against those: within
    /// the tolerance, or no further from float64 than twice PyTorch's own float32 gradient is. For networks whose float32
    /// gradients are ill-conditioned (ResNet-50 at initialisation), where no float32 implementation meets the tolerance
    /// against another.</param>
    public static IReadOnlyList<TensorComparison> Check<TNetwork>(string torchvisionModel, Action<string>? log = null, int batch = 2, int seed = 0, int dropoutSeed = 1234, long dropoutStep = 3,
        bool reference64 = false)
        where TNetwork : INeuralNetwork, new()
    {
        string dir = Directory.CreateTempSubdirectory("deeppsych-torchvision-").FullName;
        var clock = Stopwatch.StartNew();
        var phases = new List<string>();
        void Phase(string name) { phases.Add(string.Create(CultureInfo.InvariantCulture, $"{name} {clock.Elapsed.TotalSeconds:F1} s")); clock.Restart(); }
        try
        {
            var network = new TNetwork();
            Phase("network");
            string script = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Parity", "torchvision_parity.py"));
            string shape = string.Join(", ", network.InputShape);
            string python = TorchPython.Run(script + string.Create(CultureInfo.InvariantCulture,
                $"\nmain(model=\"{torchvisionModel}\", input_shape=({shape},), batch={batch}, classes={network.OutputLength}, seed={seed}, dropout_seed={dropoutSeed}, dropout_step={dropoutStep}, out=\"{dir}\", reference64={(reference64 ? "True" : "False")})\n"));
            Phase("python");

            using (var report = System.Text.Json.JsonDocument.Parse(python))
                Assert.True(report.RootElement.GetProperty("parameters").GetInt64() == network.Parameters.Length,
                    $"{torchvisionModel} has {report.RootElement.GetProperty("parameters").GetInt64():N0} parameters, {network.Name} {network.Parameters.Length:N0}.");
            Checkpoint.LoadPyTorch(network, Path.Combine(dir, "state_dict.safetensors"));
            using var expected = SafeTensors.Open(Path.Combine(dir, "expected.safetensors"));
            float[] input = expected.ReadFloat32("input");
            int[] labels = Array.ConvertAll(expected.ReadFloat32("labels"), v => (int)v);
            Phase("load");
            Assert.Equal(batch * network.InputLength, input.Length);

            var results = new List<TensorComparison>();
            var logits = new float[batch * network.OutputLength];
            network.Forward(input, logits, batch);
            results.Add(Compare("logits (eval)", logits, expected.ReadFloat32("logits")));
            Phase("forward");

            network.Seed = dropoutSeed;
            network.Step = dropoutStep;
            network.ZeroGradients();
            var trainLogits = new float[logits.Length];
            float loss = network.ComputeGradients(input, labels, batch, trainLogits);
            Phase("training step");
            results.Add(Compare("logits (training)", trainLogits, expected.ReadFloat32("train_logits")));
            results.Add(Compare("loss", [loss], expected.ReadFloat32("loss")));

            var compared = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in network.ParameterTensors)
            {
                string name = "grad." + PyTorchNames.ToPyTorch(p.Name);
                compared.Add(name);
                if (reference64) compared.Add("grad64." + PyTorchNames.ToPyTorch(p.Name));
                Assert.True(expected.Find(name) is not null, $"torchvision wrote no gradient '{name}' for {network.Name}.{p.Name}.");
                string name64 = "grad64." + PyTorchNames.ToPyTorch(p.Name);
                results.Add(reference64 ? CompareAgainstFloat64(name, p.Gradients, expected.ReadFloat32(name), expected.ReadFloat32(name64))
                    : Compare(name, p.Gradients, expected.ReadFloat32(name)));
            }
            // BatchNorm's running statistics after the training-mode batch (momentum 0.1, unbiased variance), and its count.
            foreach (var b in network.Buffers)
            {
                string name = "buffer_after." + PyTorchNames.ToPyTorch(b.Name);
                compared.Add(name);
                Assert.True(expected.Find(name) is not null, $"torchvision wrote no buffer '{name}' for {network.Name}.{b.Name}.");
                if (b.IsInt64)
                {
                    var count = new long[1];
                    expected.ReadInt64(name, count);
                    Assert.True(count[0] == b.Int64Values[0], $"{name}: {b.Int64Values[0]} here, {count[0]} in torchvision.");
                }
                else results.Add(Compare(name, b.Values, expected.ReadFloat32(name)));
            }
            var unmatched = expected.Tensors.Where(t => (t.Name.StartsWith("grad.", StringComparison.Ordinal) || t.Name.StartsWith("grad64.", StringComparison.Ordinal) || t.Name.StartsWith("buffer_after.", StringComparison.Ordinal))
                && !compared.Contains(t.Name)).Select(t => t.Name).ToList();
            Assert.True(unmatched.Count == 0, $"torchvision has gradients or buffers {network.Name} has no tensor for: {string.Join(", ", unmatched)}");

            Phase("compare");
            log?.Invoke("python: " + python.Trim());
            log?.Invoke($"{network.Name} ({string.Join("x", network.InputShape)}, batch {batch}) against {torchvisionModel}: " +
                $"{string.Join(", ", phases)}; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
            foreach (var r in results) log?.Invoke(r.ToString());
            var failed = results.Where(r => r.Failures > 0).ToList();
            Assert.True(failed.Count == 0, $"{network.Name} differs from {torchvisionModel} (tolerance {RelativeTolerance}·|theirs| + {AbsoluteTolerance}·max|theirs|):\n" +
                string.Join("\n", failed) + "\nAll tensors:\n" + string.Join("\n", results) +
                "\nPyTorch's side (closest_relu_input: a ReLU input within ~1e-7 of its tensor's scale may fall on either side of " +
                "zero in float32, which changes every gradient below it; if that is where the gradients start to differ, " +
                "change the seed or the input size rather than the tolerance):\n" + python.Trim());
            return results;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Compares <paramref name="ours"/> with PyTorch's float64 gradient <paramref name="reference"/>: an element
    /// fails when it is further from it than the tolerance allows and also further than twice the largest distance of
    /// PyTorch's own float32 gradient <paramref name="theirs"/> from it. The comparison's line names both distances.</summary>
    public static TensorComparison CompareAgainstFloat64(string name, ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs, ReadOnlySpan<float> reference)
    {
        Assert.True(ours.Length == theirs.Length && ours.Length == reference.Length, $"{name}: {ours.Length} values here, {theirs.Length} and {reference.Length} from torchvision.");
        double largest = 0, theirError = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            largest = Math.Max(largest, Math.Abs((double)reference[i]));
            theirError = Math.Max(theirError, Math.Abs((double)theirs[i] - reference[i]));
        }
        double maxError = -1;
        int worst = 0, failures = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double error = Math.Abs((double)ours[i] - reference[i]);
            if (!(error <= RelativeTolerance * Math.Abs((double)reference[i]) + AbsoluteTolerance * largest) && !(error <= 2 * theirError)) failures++; // NaN fails
            if (!(error <= maxError)) { maxError = error; worst = i; }
        }
        return new TensorComparison(name + string.Create(CultureInfo.InvariantCulture, $" (vs float64; PyTorch float32 is {theirError:G3} away)"), maxError, worst, largest, failures);
    }

    /// <summary>Compares <paramref name="ours"/> with <paramref name="theirs"/> element by element.</summary>
    public static TensorComparison Compare(string name, ReadOnlySpan<float> ours, ReadOnlySpan<float> theirs)
    {
        Assert.True(ours.Length == theirs.Length, $"{name}: {ours.Length} values here, {theirs.Length} from torchvision.");
        double largest = 0;
        foreach (float v in theirs) largest = Math.Max(largest, Math.Abs((double)v));
        double maxError = -1;
        int worst = 0, failures = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double error = Math.Abs((double)ours[i] - theirs[i]);
            if (!(error <= RelativeTolerance * Math.Abs((double)theirs[i]) + AbsoluteTolerance * largest)) failures++; // NaN fails
            if (!(error <= maxError)) { maxError = error; worst = i; }
        }
        return new TensorComparison(name, maxError, worst, largest, failures);
    }
}
