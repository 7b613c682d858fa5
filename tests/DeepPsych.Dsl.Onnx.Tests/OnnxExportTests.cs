using System.Diagnostics;
using DeepPsych.Dsl.TestNetworks;
using Examples.ConvNetJs;
using Examples.FashionMnist;
using Examples.Overfitting;
using Examples.Xor;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.Onnx.Tests;

/// <summary>Exported networks run in ONNX Runtime and give our outputs; the files pass ONNX's own checker.</summary>
public sealed class OnnxExportTests(ITestOutputHelper output)
{
    /// <summary>Relative tolerance of the comparison with ONNX Runtime (both in float32, summing in different orders),
    /// with an absolute floor of 1e-6 for outputs that are near zero.</summary>
    private const double RelativeTolerance = 1e-4, AbsoluteFloor = 1e-6;

    private const string Python = "/usr/bin/python3";

    /// <summary>Every example network (sequential, graph, and built of [Block]s), two that hold every kind and option
    /// with an ONNX form, BatchNorm networks (1D and 2D, with and without γ/β, inside blocks) and spatial pyramids.</summary>
    public static TheoryData<string> Networks() => new()
    {
        nameof(LeNet5), nameof(XorMlp), nameof(DemoNetwork), nameof(WideMlpWithDropout), nameof(Residual), nameof(Inception),
        nameof(TinyResNet), nameof(TinyGoogLeNet), nameof(EveryKind), nameof(TiledPools), nameof(WindowOptions), nameof(Probabilities),
        nameof(Normalized), nameof(NormalizedPlain), nameof(NormalizedBlocks), nameof(Pyramid), nameof(OverlappingPyramid),
    };

    /// <summary>The network with its own initialisation (He or Glorot, so outputs have the scale training sees) and biases
    /// drawn from U(−0.2, 0.2): initialisation leaves them 0, which would hide a bias exported in the wrong place.
    /// (Weights drawn from U(−0.5, 0.5) instead make WideMlp's outputs ~50 and one of them a cancellation to −0.027,
    /// where float32 in either summation order is 1e-5 off the double-precision value: not a comparison of exports.)</summary>
    private static INeuralNetwork Create(string name)
    {
        INeuralNetwork net = name switch
        {
            nameof(LeNet5) => new LeNet5(),
            nameof(XorMlp) => new XorMlp(),
            nameof(DemoNetwork) => new DemoNetwork(),
            nameof(WideMlpWithDropout) => new WideMlpWithDropout(),
            nameof(Residual) => new Residual(),
            nameof(Inception) => new Inception(),
            nameof(TinyResNet) => new TinyResNet(),
            nameof(TinyGoogLeNet) => new TinyGoogLeNet(),
            nameof(EveryKind) => new EveryKind(),
            nameof(TiledPools) => new TiledPools(),
            nameof(WindowOptions) => new WindowOptions(),
            nameof(Probabilities) => new Probabilities(),
            nameof(Normalized) => new Normalized(),
            nameof(NormalizedPlain) => new NormalizedPlain(),
            nameof(NormalizedBlocks) => new NormalizedBlocks(),
            nameof(Pyramid) => new Pyramid(),
            nameof(OverlappingPyramid) => new OverlappingPyramid(),
            _ => throw new ArgumentException(name),
        };
        net.InitializeParameters(seed: 1);
        var random = new Random(name.Length);
        foreach (var bias in net.ParameterTensors.Where(p => p.IsBias))
            foreach (ref float b in bias.Values) b = (float)(random.NextDouble() - 0.5) * 0.4f;
        // BatchNorm: γ (initialised to 1) in [0.5, 1.5], running mean in [−0.5, 0.5] and variance in [0.5, 1.5] (fresh
        // statistics, 0 and 1, would make eval-mode BatchNorm nearly the identity and hide them exported in the wrong place).
        foreach (var gamma in net.ParameterTensors.Where(p => net.Buffers.Any(b => b.Name == p.Name.Replace(".weight", ".running_mean"))))
            foreach (ref float g in gamma.Values) g = (float)(0.5 + random.NextDouble());
        foreach (var buffer in net.Buffers.Where(b => !b.IsInt64))
            foreach (ref float v in buffer.Values) v = (float)(buffer.Name.EndsWith(".running_var", StringComparison.Ordinal) ? 0.5 + random.NextDouble() : random.NextDouble() - 0.5);
        net.Threads = 1;
        return net;
    }

    private static float[] Inputs(INeuralNetwork net, int batch)
    {
        var random = new Random(7);
        var input = new float[batch * net.InputLength];
        for (int i = 0; i < input.Length; i++) input[i] = (float)(random.NextDouble() * 2 - 1);
        return input;
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void The_exported_network_gives_our_outputs_in_OnnxRuntime(string name)
    {
        var net = Create(name);
        const int batch = 3;
        var input = Inputs(net, batch);
        var ours = new float[batch * net.OutputLength];
        net.Forward(input, ours, batch);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(net.ToOnnx(), options);
        Assert.Equal([OnnxGraph.Input], session.InputMetadata.Keys);
        Assert.Equal([OnnxGraph.Output], session.OutputMetadata.Keys);
        var tensor = new DenseTensor<float>(input, [batch, .. net.InputShape]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxGraph.Input, tensor)]);
        var theirs = results.Single().AsTensor<float>();
        Assert.Equal([batch, .. net.OutputShape], theirs.Dimensions.ToArray());

        var flat = theirs.ToArray();
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            double error = Math.Abs(ours[i] - flat[i]), allowed = RelativeTolerance * Math.Max(Math.Abs(ours[i]), Math.Abs(flat[i])) + AbsoluteFloor;
            Assert.True(error <= allowed, $"{name} output {i} (sample {i / net.OutputLength}): ours {ours[i]:R}, ONNX Runtime {flat[i]:R}, |diff| {error:G3} > {allowed:G3}");
            worst = Math.Max(worst, error / Math.Max(Math.Abs(ours[i]), 1e-30));
        }
        Assert.Contains(ours, v => v != 0f);   // a network that outputs only zeros would compare trivially
        output.WriteLine($"{name}: {ours.Length} outputs, worst relative difference {worst:G3}");
    }

    [SkippableTheory]
    [MemberData(nameof(Networks))]
    public void The_file_passes_the_onnx_checker_with_opset_13_and_PyTorch_parameter_names(string name)
    {
        Skip.IfNot(File.Exists(Python) && Run(Python, "-c", "import onnx").ExitCode == 0,
            $"{Python} with the onnx module is missing (apt-get install -y python3-onnx): the checker is not run");
        var net = Create(name);
        string path = Path.Combine(Path.GetTempPath(), $"deeppsych-onnx-{name}-{Environment.ProcessId}.onnx");
        try
        {
            net.ExportOnnx(path);
            var check = Run(Python, "-c", """
                import sys, onnx
                model = onnx.load(sys.argv[1])
                onnx.checker.check_model(model, full_check=True)
                print("opset", ",".join(f"{o.domain}:{o.version}" for o in model.opset_import))
                print("initializers", ",".join(i.name for i in model.graph.initializer))
                """, path);
            output.WriteLine(check.Output);
            Assert.True(check.ExitCode == 0, check.Output);
            Assert.Contains("opset :13", check.Output);
            string initializers = check.Output.Split('\n').Single(l => l.StartsWith("initializers ", StringComparison.Ordinal));
            var names = initializers["initializers ".Length..].Trim().Split(',');
            Assert.Equal(net.ParameterTensors.Select(p => p.Name), names.Take(net.ParameterTensors.Count));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_network_trained_on_a_device_exports_the_weights_it_holds_there()
    {
        var net = (LeNet5)Create(nameof(LeNet5));
        const int batch = 4;
        var input = Inputs(net, batch);
        using var backend = new DeepPsych.Dsl.Devices.CpuBackend();
        net.UseDevice(backend);
        net.ZeroGradients();
        net.ComputeGradients(input, new[] { 0, 1, 2, 3 }, batch);
        new DeepPsych.Dsl.Optimizers.Sgd(0.5f).Step(net);   // the update runs on the device: the host block is stale until read
        var ours = new float[batch * LeNet5.OutputLength];
        net.Forward(input, ours, batch);

        using var session = new InferenceSession(net.ToOnnx());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(OnnxGraph.Input, new DenseTensor<float>(input, [batch, .. net.InputShape]))]);
        var theirs = results.Single().AsTensor<float>().ToArray();
        for (int i = 0; i < ours.Length; i++)
            Assert.True(Math.Abs(ours[i] - theirs[i]) <= RelativeTolerance * Math.Max(Math.Abs(ours[i]), Math.Abs(theirs[i])) + AbsoluteFloor,
                $"output {i}: ours {ours[i]:R}, ONNX Runtime {theirs[i]:R}");
    }

    [Fact]
    public void A_layer_without_an_ONNX_form_is_refused_by_name_and_nothing_is_written()
    {
        var net = new EvenLrn();
        string path = Path.Combine(Path.GetTempPath(), $"deeppsych-onnx-even-{Environment.ProcessId}.onnx");
        var e = Assert.Throws<NotSupportedException>(() => net.ExportOnnx(path));
        Assert.Contains("layer N1 (LocalResponseNorm): Size 4 is even", e.Message);
        Assert.Contains("nothing was written", e.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void ExportOnnx_writes_the_bytes_of_ToOnnx_and_replaces_an_older_file()
    {
        var net = Create(nameof(LeNet5));
        string path = Path.Combine(Path.GetTempPath(), $"deeppsych-onnx-replace-{Environment.ProcessId}.onnx");
        try
        {
            File.WriteAllText(path, "an older file");
            net.ExportOnnx(path);
            Assert.Equal(net.ToOnnx(), File.ReadAllBytes(path));
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(path) + ".tmp-*"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
