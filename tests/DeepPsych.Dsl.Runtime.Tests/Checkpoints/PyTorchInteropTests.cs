using System.Globalization;
using System.Text.Json;
using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Training;

namespace DeepPsych.Dsl.Tests.Checkpoints;

/// <summary>Weights move between PyTorch and this project through safetensors. The Python side writes and reads the
/// format by hand (struct + json + numpy), since the <c>safetensors</c> package is not installed.</summary>
public sealed class PyTorchInteropTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-torch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string PythonWriter = """
        import json, struct
        def save_safetensors(path, tensors, metadata):
            header, blobs, offset = {"__metadata__": metadata}, [], 0
            for name, t in tensors.items():
                data = t.detach().contiguous().to(torch.float32).numpy().tobytes()
                header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
                blobs.append(data); offset += len(data)
            text = json.dumps(header).encode("utf-8")
            text += b" " * ((8 - (8 + len(text)) % 8) % 8)
            with open(path, "wb") as f:
                f.write(struct.pack("<Q", len(text))); f.write(text)
                for b in blobs: f.write(b)
        """;

    [TorchFact]
    public void Loads_weights_written_by_pytorch()
    {
        string path = Path.Combine(_dir, "from-torch.safetensors");
        string output = TorchPython.Run(PythonWriter + $$"""

            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.C1 = torch.nn.Conv2d(1, 2, 3)
                    self.Linear = torch.nn.Linear(4, 3)
            torch.manual_seed(0)
            net = Net()
            save_safetensors("{{path}}", net.state_dict(), {"format": "pt"})
            x = torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.25, 0.0, -3.0]])
            print(json.dumps({
                "tensors": {k: [float(v) for v in t.flatten()] for k, t in net.state_dict().items()},
                "linear_out": [float(v) for v in net.Linear(x).detach().flatten()],
            }))
            """);
        using var expected = JsonDocument.Parse(output);

        // Every tensor arrives under its PyTorch name, shape and element order (OIHW for the convolution).
        var holder = new ParameterHolder(("C1.weight", [2, 1, 3, 3]), ("C1.bias", [2]), ("Linear.weight", [3, 4]), ("Linear.bias", [3]));
        var info = Checkpoint.Load(holder, path);
        Assert.Null(info.ArchitectureHash);
        foreach (var tensor in holder.ParameterTensors)
        {
            var values = expected.RootElement.GetProperty("tensors").GetProperty(tensor.Name).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(values, tensor.Values.ToArray());
        }

        // nn.Linear's [out, in] weight computes the same outputs here.
        var net = new SoftmaxRegression(4, 3);
        Checkpoint.Load(net, path, strict: false);
        var logits = new float[6];
        net.Forward([1f, 0f, -1f, 2f, 0.5f, 0.25f, 0f, -3f], logits, 2);
        var torchOut = expected.RootElement.GetProperty("linear_out").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal(torchOut[i], logits[i], 5);
    }

    [TorchFact]
    public void PyTorch_reads_weights_written_here()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(7);
        string path = Path.Combine(_dir, "to-torch.safetensors");
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        optimizer.Step(net); // momentum state exists, and goes to its own file: the weights still load strictly
        Checkpoint.Save(net, path, optimizer);

        string output = TorchPython.Run($$"""
            import json, struct, numpy as np
            with open("{{path}}", "rb") as f:
                n = struct.unpack("<Q", f.read(8))[0]
                header = json.loads(f.read(n)); data = f.read()
            meta = header.pop("__metadata__")
            state = {k: torch.from_numpy(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype="<f4").copy()).reshape(v["shape"])
                     for k, v in header.items()}
            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.Linear = torch.nn.Linear(4, 3)
            model = Net()
            model.load_state_dict(state, strict=True)
            x = torch.tensor([[1.0, 0.0, -1.0, 2.0], [0.5, 0.25, 0.0, -3.0]])
            print(json.dumps({"hash": meta["deeppsych.architecture_hash"], "out": [float(v) for v in model.Linear(x).detach().flatten()]}))
            """);
        using var result = JsonDocument.Parse(output);
        Assert.Equal(net.ArchitectureHash, result.RootElement.GetProperty("hash").GetString());
        var logits = new float[6];
        net.Forward([1f, 0f, -1f, 2f, 0.5f, 0.25f, 0f, -3f], logits, 2);
        var torchOut = result.RootElement.GetProperty("out").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal(logits[i], torchOut[i], 5);
    }
}

/// <summary>A network that only holds named parameters (no forward pass): enough to test checkpoint layouts.</summary>
internal sealed class ParameterHolder : INeuralNetwork
{
    private readonly List<ParameterTensor> _tensors = [];

    public ParameterHolder(params (string Name, int[] Shape)[] tensors)
    {
        int total = tensors.Sum(t => t.Shape.Aggregate(1, (a, b) => a * b));
        Parameters = new float[total];
        Gradients = new float[total];
        int offset = 0;
        foreach (var (name, shape) in tensors)
        {
            var tensor = new ParameterTensor(name, shape, offset, Parameters, Gradients);
            _tensors.Add(tensor);
            offset += tensor.Length;
        }
    }

    public string Name => nameof(ParameterHolder);
    public IReadOnlyList<int> InputShape => [1];
    public IReadOnlyList<int> OutputShape => [1];
    public int InputLength => 1;
    public int OutputLength => 1;
    public Loss Loss { get; init; } = Loss.SoftmaxCrossEntropy;
    public string ArchitectureHash => "parameter-holder";
    public float[] Parameters { get; }
    public float[] Gradients { get; }
    public IReadOnlyList<ParameterTensor> ParameterTensors => _tensors;
    public IReadOnlyList<Layer> Layers => [];
    public int Threads { get; set; } = 1;
    public int Seed { get; set; }
    public long Step { get; set; }
    public void InitializeParameters(int seed) { }
    public void Forward(ReadOnlySpan<float> input, Span<float> output, int batch) => throw new NotSupportedException();
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<int> labels, int batch, Span<float> outputs = default) => throw new NotSupportedException();
    public float ComputeGradients(ReadOnlySpan<float> input, ReadOnlySpan<float> targets, int batch, Span<float> outputs = default) => throw new NotSupportedException();
    public void ZeroGradients() => Array.Clear(Gradients);
    public string? FirstNonFiniteLayer() => null;
    public string Summary() => string.Join(", ", _tensors);
    public string BackwardSource => "";
}
