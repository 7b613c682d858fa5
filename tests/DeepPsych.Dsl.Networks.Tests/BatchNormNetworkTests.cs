using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.TestNetworks;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Networks.Tests;

/// <summary>A generated network with BatchNorm2D and BatchNorm1D (<see cref="Normalized"/>): whole-batch statistics on the
/// sharded CPU pass, running statistics and num_batches_tracked as PyTorch moves them, buffers in checkpoints, and the
/// device path. The gradients themselves: <see cref="NetworkGradientTests"/>.</summary>
public class BatchNormNetworkTests
{
    private static (float[] X, int[] Labels) Batch(int samples, int seed)
        => (TestData.Uniform(seed, samples * Normalized.InputLength, -1f, 2f), Enumerable.Range(0, samples).Select(i => (i * 7 + seed) % 3).ToArray());

    /// <summary>Float32 with different summation orders (shards, combination): a few ulp of values of order 1.</summary>
    private static void Close(string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    private static float[] Buffer(INeuralNetwork net, string name) => net.Buffers.Single(b => b.Name == name).Values.ToArray();

    [Fact]
    public void Buffers_are_named_as_pytorch_and_are_not_parameters()
    {
        var net = new Normalized();
        Assert.Equal(["Bn.running_mean", "Bn.running_var", "Bn.num_batches_tracked", "Bn1d.running_mean", "Bn1d.running_var", "Bn1d.num_batches_tracked"],
            net.Buffers.Select(b => b.Name));
        Assert.DoesNotContain(net.ParameterTensors, p => p.Name.Contains("running") || p.Name.Contains("tracked"));
        Assert.Equal(Normalized.ParameterCount, net.ParameterTensors.Sum(p => p.Length));
        Assert.All(net.Bn.RunningMean.Values.ToArray(), v => Assert.Equal(0f, v));
        Assert.All(net.Bn.RunningVar.Values.ToArray(), v => Assert.Equal(1f, v));
        Assert.True(net.Bn.NumBatchesTracked.IsInt64);
        Assert.All(net.Bn.Weight!.Values.ToArray(), v => Assert.Equal(1f, v));   // γ = 1
        Assert.All(net.Bn.Bias!.Values.ToArray(), v => Assert.Equal(0f, v));     // β = 0
    }

    /// <summary>Inside a block used twice, each BatchNorm has its own buffers under the block path, and a 1- and a 3-thread
    /// step agree (the stages run inside the inlined blocks as anywhere else).</summary>
    [Fact]
    public void Buffers_inside_blocks_take_the_block_path()
    {
        var one = new NormalizedBlocks { Threads = 1 };
        var three = new NormalizedBlocks { Threads = 3 };
        Assert.Equal(["Layer1.0.Bn.running_mean", "Layer1.0.Bn.running_var", "Layer1.0.Bn.num_batches_tracked",
            "Layer1.1.Bn.running_mean", "Layer1.1.Bn.running_var", "Layer1.1.Bn.num_batches_tracked"], one.Buffers.Select(b => b.Name));
        Assert.Contains(one.ParameterTensors, p => p.Name == "Layer1.1.Bn.weight");
        var x = TestData.Uniform(70, 5 * NormalizedBlocks.InputLength, -1f, 2f);
        int[] labels = [0, 1, 2, 1, 0];
        Assert.Equal(one.ComputeGradients(x, labels, 5), three.ComputeGradients(x, labels, 5), 1e-6f);
        Close("gradients", one.Gradients, three.Gradients);
        foreach (var b in one.Buffers.Where(b => !b.IsInt64)) Close(b.Name, b.Values, Buffer(three, b.Name));
    }

    [Fact]
    public void Training_on_a_batch_of_one_names_the_layer_that_needs_more()
    {
        var (x, labels) = Batch(1, seed: 5);
        var e = Assert.Throws<ArgumentException>(() => new Normalized().ComputeGradients(x, labels, 1));
        Assert.StartsWith("Normalized.ComputeGradients: Bn1d (BatchNorm1D) normalises with the batch's statistics and needs more than one value per channel, got batch 1 x 1 position;", e.Message);
    }

    /// <summary>One shard or three: the same batch statistics, so the same loss, outputs, gradients and running statistics
    /// (to float rounding: the shards' sums are combined in another order).</summary>
    [Fact]
    public void One_thread_and_three_threads_give_the_same_step()
    {
        var (x, labels) = Batch(7, seed: 3);
        var one = new Normalized { Threads = 1 };
        var three = new Normalized { Threads = 3 };
        var o1 = new float[7 * 3];
        var o3 = new float[7 * 3];
        float l1 = 0, l3 = 0;
        for (int step = 0; step < 3; step++)
        {
            one.ZeroGradients(); three.ZeroGradients();
            l1 = one.ComputeGradients(x, labels, 7, o1);
            l3 = three.ComputeGradients(x, labels, 7, o3);
        }
        Assert.Equal(l1, l3, 1e-6f);
        Close("training outputs", o1, o3);
        Close("gradients", one.Gradients, three.Gradients);
        foreach (var b in one.Buffers.Where(b => !b.IsInt64)) Close(b.Name, b.Values, Buffer(three, b.Name));
        Assert.Equal(3, three.Bn1d.NumBatchesTracked.Int64Values[0]);
        one.Forward(x, o1, 7);
        three.Forward(x, o3, 7);
        Close("inference outputs", o1, o3);
    }

    /// <summary>Five training steps (no update: the running statistics move on each forward in train mode) against
    /// PyTorch's nn.Sequential of the same layers and weights, then eval-mode outputs.</summary>
    [TorchFact]
    public void Running_statistics_after_five_training_steps_and_eval_outputs_match_pytorch()
    {
        var net = new Normalized { Threads = 3 };
        net.InitializeParameters(4);
        var rng = new Random(9);
        foreach (var p in net.ParameterTensors.Where(p => p.Name.StartsWith("Bn")))
        {
            var v = p.Values;
            for (int i = 0; i < v.Length; i++) v[i] = (p.Name.EndsWith("weight") ? 1f : 0f) + (rng.NextSingle() - 0.5f);
        }
        var batches = Enumerable.Range(0, 5).Select(t => Batch(6, seed: 30 + t)).ToArray();
        var train = new float[6 * 3];
        foreach (var (x, labels) in batches) net.ComputeGradients(x, labels, 6, train);
        var eval = new float[6 * 3];
        net.Forward(batches[4].X, eval, 6);

        string output = TorchPython.Run($$"""
            import torch.nn as nn
            m = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1, bias=False), nn.BatchNorm2d(3), nn.Softplus(), nn.AvgPool2d(2), nn.Flatten(),
                              nn.Linear(18, 5, bias=False), nn.BatchNorm1d(5, eps=1e-3, momentum=0.2), nn.Tanh(), nn.Linear(5, 3))
            values = [{{string.Join(", ", net.ParameterTensors.Select(p => PyList(p.Values.ToArray())))}}]
            with torch.no_grad():
                for p, v in zip(m.parameters(), values): p.copy_(torch.tensor(v).reshape(p.shape))
            xs = [{{string.Join(", ", batches.Select(b => PyList(b.X)))}}]
            m.train()
            with torch.no_grad():
                for x in xs: y = m(torch.tensor(x).reshape(6, 2, 4, 6))
            def show(t): print(" ".join(repr(float(v)) for v in t.detach().flatten()))
            for bn in (m[1], m[6]): show(bn.running_mean); show(bn.running_var); print(int(bn.num_batches_tracked))
            show(y)
            m.eval()
            with torch.no_grad(): show(m(torch.tensor(xs[4]).reshape(6, 2, 4, 6)))
            """);
        var lines = output.Trim().Split('\n');
        Close("Bn.running_mean", ParseLine(lines[0]), net.Bn.RunningMean.Values);
        Close("Bn.running_var", ParseLine(lines[1]), net.Bn.RunningVar.Values);
        Assert.Equal(lines[2].Trim(), net.Bn.NumBatchesTracked.Int64Values[0].ToString());
        Close("Bn1d.running_mean", ParseLine(lines[3]), net.Bn1d.RunningMean.Values);
        Close("Bn1d.running_var", ParseLine(lines[4]), net.Bn1d.RunningVar.Values);
        Assert.Equal(lines[5].Trim(), net.Bn1d.NumBatchesTracked.Int64Values[0].ToString());
        Close("training outputs (step 5)", ParseLine(lines[6]), train);
        Close("eval outputs", ParseLine(lines[7]), eval);
    }

    [Fact]
    public void Checkpoints_save_and_load_the_buffers_with_pytorch_names_and_dtypes()
    {
        var (x, labels) = Batch(5, seed: 8);
        var net = new Normalized { Threads = 2 };
        for (int i = 0; i < 2; i++) net.ComputeGradients(x, labels, 5);
        string dir = Directory.CreateTempSubdirectory("bn-checkpoint").FullName;
        try
        {
            string path = Path.Combine(dir, "bn.safetensors");
            Checkpoint.Save(net, path);
            using (var file = SafeTensors.Open(path))
            {
                Assert.Equal("I64", file.Find("Bn.num_batches_tracked")!.DType);
                Assert.Empty(file.Find("Bn.num_batches_tracked")!.Shape);
                Assert.Equal("F32", file.Find("Bn1d.running_var")!.DType);
            }
            var loaded = new Normalized();
            Checkpoint.Load(loaded, path);
            Assert.Equal(net.Parameters, loaded.Parameters);
            foreach (var b in net.Buffers)
                if (b.IsInt64) Assert.Equal(2, loaded.Buffers.Single(l => l.Name == b.Name).Int64Values[0]);
                else Assert.Equal(b.Values.ToArray(), Buffer(loaded, b.Name));
            var outA = new float[5 * 3];
            var outB = new float[5 * 3];
            net.Forward(x, outA, 5);
            loaded.Forward(x, outB, 5);
            Assert.Equal(outA, outB);   // eval mode reads the loaded running statistics

            // A file with the parameters but without the buffers (an old or hand-made one) is refused, naming the buffer.
            string bare = Path.Combine(dir, "bare.safetensors");
            SafeTensors.Write(bare, net.ParameterTensors.Select(p => new SafeTensor(p.Name, [.. p.Shape], p.Values.ToArray())).ToList());
            var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new Normalized(), bare));
            Assert.Contains("'Bn.running_mean'", e.Message);
            Assert.Contains("BatchNorm running statistics", e.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A checkpoint written here loads into the same module in PyTorch with <c>load_state_dict(strict=True)</c>
    /// (running statistics F32, num_batches_tracked I64) and gives our eval outputs; PyTorch then moves the statistics two
    /// more steps and writes its state_dict, which loads here (the Python side reads and writes safetensors by hand).</summary>
    [TorchFact]
    public void Checkpoints_move_between_pytorch_and_here_with_the_running_statistics()
    {
        var (x, labels) = Batch(6, seed: 60);
        var net = new Normalized { Threads = 2 };
        for (int i = 0; i < 3; i++) net.ComputeGradients(x, labels, 6);
        string dir = Directory.CreateTempSubdirectory("bn-torch").FullName;
        try
        {
            string ours = Path.Combine(dir, "ours.safetensors"), theirs = Path.Combine(dir, "theirs.safetensors");
            Checkpoint.Save(net, ours);
            var (probe, _) = Batch(4, seed: 61);
            string output = TorchPython.Run($$"""
                import json, struct, numpy as np
                import torch.nn as nn
                types = {"F32": ("<f4", torch.float32), "I64": ("<i8", torch.int64)}
                with open("{{ours}}", "rb") as f:
                    n = struct.unpack("<Q", f.read(8))[0]
                    header = json.loads(f.read(n)); data = f.read()
                header.pop("__metadata__")
                state = {k: torch.from_numpy(np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=types[v["dtype"]][0]).copy()).reshape(v["shape"])
                         for k, v in header.items()}
                class Normalized(nn.Module):
                    def __init__(self):
                        super().__init__()
                        self.Conv = nn.Conv2d(2, 3, 3, padding=1, bias=False); self.Bn = nn.BatchNorm2d(3); self.Soft = nn.Softplus(); self.Pool = nn.AvgPool2d(2)
                        self.Hidden = nn.Linear(18, 5, bias=False); self.Bn1d = nn.BatchNorm1d(5, eps=1e-3, momentum=0.2); self.Squash = nn.Tanh(); self.Logits = nn.Linear(5, 3)
                    def forward(self, x):
                        h = self.Pool(self.Soft(self.Bn(self.Conv(x))))
                        return self.Logits(self.Squash(self.Bn1d(self.Hidden(h.flatten(1)))))
                m = Normalized()
                m.load_state_dict(state, strict=True)
                probe = torch.tensor({{PyList(probe)}}).reshape(4, 2, 4, 6)
                m.eval()
                with torch.no_grad(): first = m(probe)
                m.train()
                with torch.no_grad():
                    for _ in range(2): m(torch.tensor({{PyList(x)}}).reshape(6, 2, 4, 6))
                m.eval()
                with torch.no_grad(): second = m(probe)
                header, blobs, offset = {"__metadata__": {"format": "pt"} }, [], 0
                for name, t in m.state_dict().items():
                    dtype = "I64" if t.dtype == torch.int64 else "F32"
                    blob = t.contiguous().numpy().astype(types[dtype][0]).tobytes()
                    header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
                    blobs.append(blob); offset += len(blob)
                text = json.dumps(header).encode("utf-8"); text += b" " * ((8 - (8 + len(text)) % 8) % 8)
                with open("{{theirs}}", "wb") as f:
                    f.write(struct.pack("<Q", len(text))); f.write(text)
                    for b in blobs: f.write(b)
                print(" ".join(repr(float(v)) for v in first.flatten()))
                print(" ".join(repr(float(v)) for v in second.flatten()))
                print(state["Bn.num_batches_tracked"].dtype, int(m.Bn.num_batches_tracked))
                """);
            var lines = output.Trim().Split('\n');
            var eval = new float[4 * 3];
            net.Forward(probe, eval, 4);
            Close("PyTorch eval outputs with our checkpoint", ParseLine(lines[0]), eval);
            Assert.Equal("torch.int64 5", lines[2].Trim());

            var loaded = new Normalized();
            Checkpoint.Load(loaded, theirs);   // no architecture hash: loaded by names and shapes, buffers included
            Assert.Equal(5, loaded.Bn.NumBatchesTracked.Int64Values[0]);
            loaded.Forward(probe, eval, 4);
            Close("eval outputs with PyTorch's checkpoint", ParseLine(lines[1]), eval);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The device path (one workspace, whole-batch kernels behind <see cref="IDeviceBackend"/>, here the CPU ops)
    /// against the staged CPU pass: steps, running statistics brought down on host access, then inference.</summary>
    [Fact]
    public void The_device_path_matches_the_staged_cpu_path()
    {
        var cpu = new Normalized { Threads = 3 };
        var device = new Normalized();
        device.UseDevice(new CpuBackend());
        var o1 = new float[6 * 3];
        var o2 = new float[6 * 3];
        for (int step = 0; step < 3; step++)
        {
            var (x, labels) = Batch(6, seed: 40 + step);
            cpu.ZeroGradients(); device.ZeroGradients();
            float l1 = cpu.ComputeGradients(x, labels, 6, o1);
            float l2 = device.ComputeGradients(x, labels, 6, o2);
            Assert.Equal(l1, l2, 1e-5f);
            Close("training outputs", o1, o2);
            Close("gradients", cpu.Gradients, device.Gradients);
        }
        foreach (var b in cpu.Buffers.Where(b => !b.IsInt64)) Close(b.Name, b.Values, Buffer(device, b.Name));
        Assert.Equal(3, device.Bn.NumBatchesTracked.Int64Values[0]);
        var probe = Batch(4, seed: 50).X;
        cpu.Forward(probe, o1.AsSpan(0, 12), 4);
        device.Forward(probe, o2.AsSpan(0, 12), 4);
        Close("inference outputs", o1.AsSpan(0, 12), o2.AsSpan(0, 12));

        // Host writes reach the device: statistics set on the host (as a checkpoint load does) are what it uses next.
        foreach (var net in new INeuralNetwork[] { cpu, device })
            foreach (var b in net.Buffers.Where(b => !b.IsInt64)) b.Values.Fill(b.Name.EndsWith("var") ? 2f : 0.5f);
        cpu.Forward(probe, o1.AsSpan(0, 12), 4);
        device.Forward(probe, o2.AsSpan(0, 12), 4);
        Close("inference outputs after host writes", o1.AsSpan(0, 12), o2.AsSpan(0, 12));
        device.UseDevice(null);
    }
}
