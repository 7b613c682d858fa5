using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Training;

namespace DeepPsych.Dsl.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static SoftmaxRegression Trained(Optimizer? optimizer = null, int steps = 3)
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(1);
        optimizer ??= new Sgd(0.1f, momentum: 0.9f);
        float[] x = [1, 0, -1, 2, 0.5f, 0.5f, 0, -1];
        int[] y = [2, 0];
        for (int i = 0; i < steps; i++)
        {
            net.ZeroGradients();
            net.ComputeGradients(x, y, 2);
            optimizer.Step(net);
        }
        return net;
    }

    [Fact]
    public void Round_trip_restores_weights_step_and_metadata()
    {
        var net = Trained();
        string path = PathOf("net.safetensors");
        Checkpoint.Save(net, path, metadata: new Dictionary<string, string> { ["epoch"] = "3" });

        var fresh = new SoftmaxRegression(4, 3);
        var info = Checkpoint.Load(fresh, path);
        Assert.Equal(net.Parameters, fresh.Parameters);
        Assert.Equal(3, fresh.Step);
        Assert.Equal("SoftmaxRegression", info.NetworkName);
        Assert.Equal(net.ArchitectureHash, info.ArchitectureHash);
        Assert.Equal("3", info.Metadata["epoch"]);
        Assert.False(info.OptimizerStateLoaded);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void Optimizer_state_is_saved_so_training_resumes_identically(string kind)
    {
        Optimizer Make() => kind == "sgd" ? new Sgd(0.1f, momentum: 0.9f, nesterov: true) : new AdamW(0.01f, weightDecay: 0.1f);
        var optimizer = Make();
        var net = Trained(optimizer);
        string path = PathOf("resume.safetensors");
        Checkpoint.Save(net, path, optimizer);
        using (var file = SafeTensors.Open(path)) // the weights file holds the network's tensors only (PyTorch loads it strictly)
            Assert.Equal(["Linear.bias", "Linear.weight"], file.Tensors.Select(t => t.Name).Order());
        Assert.Equal(PathOf("resume.optimizer.safetensors"), Checkpoint.OptimizerPath(path));
        using (var file = SafeTensors.Open(Checkpoint.OptimizerPath(path)))
        {
            Assert.NotNull(file.Find(kind == "sgd" ? "momentum_buffer.Linear.weight" : "exp_avg_sq.Linear.bias"));
            Assert.Equal(kind, file.Metadata["optimizer.kind"]);
            Assert.Equal("3", file.Metadata["optimizer.step"]);
            Assert.Equal(net.ArchitectureHash, file.Metadata[Checkpoint.ArchitectureHashKey]);
        }

        var resumed = new SoftmaxRegression(4, 3);
        var resumedOptimizer = kind == "sgd" ? (Optimizer)new Sgd(1f) : new AdamW();
        Assert.True(Checkpoint.Load(resumed, path, resumedOptimizer).OptimizerStateLoaded);
        Assert.Equal(3, resumedOptimizer.StepCount);

        float[] x = [0, 1, 1, 0];
        int[] y = [1];
        foreach (var (n, o) in new[] { ((SoftmaxRegression)net, optimizer), (resumed, resumedOptimizer) })
            for (int i = 0; i < 4; i++) { n.ZeroGradients(); n.ComputeGradients(x, y, 1); o.Step(n); }
        Assert.Equal(net.Parameters, resumed.Parameters);
    }

    [Fact]
    public void Architecture_hash_mismatch_names_both_hashes_and_the_file()
    {
        string path = PathOf("h.safetensors");
        Checkpoint.Save(Trained(), path);
        var other = new SoftmaxRegression(4, 3, hash: "other-hash");
        var before = (float[])other.Parameters.Clone();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(other, path));
        Assert.Contains("softmax-regression-4x3", e.Message);
        Assert.Contains("other-hash", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Equal(before, other.Parameters); // untouched
    }

    [Fact]
    public void Shape_mismatch_names_the_tensor_and_both_shapes()
    {
        string path = PathOf("s.safetensors");
        Checkpoint.Save(Trained(), path);
        var wider = new SoftmaxRegression(5, 3, hash: "softmax-regression-4x3"); // same hash on purpose: shapes still checked
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(wider, path));
        Assert.Contains("'Linear.weight'", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        Assert.Contains("[3, 5]", e.Message);
        Assert.Equal("Linear.weight", e.TensorName);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        string path = PathOf("m.safetensors");
        SafeTensors.Write(path, [new SafeTensor("Linear.weight", [3, 4], new float[12])]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path));
        Assert.Contains("no parameter tensor 'Linear.bias' (expected shape [3])", e.Message);
    }

    [Fact]
    public void Wrong_dtype_is_named()
    {
        string path = PathOf("d.safetensors");
        SafeTensorsTests.WriteRaw(path,
            """{"Linear.weight": {"dtype": "F32", "shape": [3, 4], "data_offsets": [0, 48]}, "Linear.bias": {"dtype": "F16", "shape": [3], "data_offsets": [48, 54]}}""",
            new byte[54]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path));
        Assert.Contains("'Linear.bias'", e.Message);
        Assert.Contains("dtype F16, expected F32", e.Message);
    }

    [Fact]
    public void Unexpected_tensors_fail_in_strict_mode_only()
    {
        string path = PathOf("x.safetensors");
        SafeTensors.Write(path, [new SafeTensor("Linear.weight", [3, 4], new float[12]), new SafeTensor("Linear.bias", [3], new float[3]),
            new SafeTensor("Extra.weight", [2], new float[2])]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path));
        Assert.Contains("'Extra.weight' [2]", e.Message);
        Checkpoint.Load(new SoftmaxRegression(4, 3), path, strict: false);
    }

    [Fact]
    public void Foreign_files_without_a_hash_can_be_required_to_have_one()
    {
        string path = PathOf("f.safetensors");
        SafeTensors.Write(path, [new SafeTensor("Linear.weight", [3, 4], new float[12]), new SafeTensor("Linear.bias", [3], new float[3])]);
        Assert.Null(Checkpoint.Load(new SoftmaxRegression(4, 3), path).ArchitectureHash);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path, requireArchitectureHash: true));
        Assert.Contains("no architecture hash", e.Message);
    }

    [Fact]
    public void Optimizer_state_must_be_present_and_of_the_same_kind()
    {
        string path = PathOf("o.safetensors");
        var sgd = new Sgd(0.1f, momentum: 0.9f);
        Checkpoint.Save(Trained(sgd), path);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path, new Sgd(0.1f)));
        Assert.Contains($"optimizer state file '{Checkpoint.OptimizerPath(path)}' does not exist", e.Message);

        Checkpoint.Save(Trained(sgd), path, sgd, overwrite: true);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path, new Adam()));
        Assert.Contains("'sgd' optimizer state", e.Message);
        Assert.Contains("'adam'", e.Message);
        // Weights alone load fine, strictly.
        Checkpoint.Load(new SoftmaxRegression(4, 3), path);
    }

    [Fact]
    public void Saving_over_an_existing_checkpoint_needs_overwrite()
    {
        string path = PathOf("c.safetensors");
        Checkpoint.Save(Trained(), path);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(Trained(steps: 1), path));
        Assert.Contains("pass overwrite: true", e.Message);
        Checkpoint.Save(Trained(steps: 1), path, overwrite: true);
    }

    // Metadata values are validated on load (issue #9: a corrupt step was applied or dropped, NaN/-1 hyper-parameters imported).

    /// <summary>Rewrites <paramref name="path"/> with the same tensors and edited metadata.</summary>
    internal static void EditMetadata(string path, Action<Dictionary<string, string>> edit)
    {
        List<SafeTensor> tensors;
        Dictionary<string, string> meta;
        using (var file = SafeTensors.Open(path))
        {
            tensors = [.. file.Tensors.Select(t => new SafeTensor(t.Name, [.. t.Shape.Select(d => (int)d)], file.ReadFloat32(t.Name)))];
            meta = new Dictionary<string, string>(file.Metadata);
        }
        edit(meta);
        SafeTensors.Write(path, tensors, meta, overwrite: true);
    }

    [Theory]
    [InlineData("-5")]
    [InlineData("abc")]
    [InlineData("1e20")]
    [InlineData("99999999999999999999")]
    [InlineData(" 3")]
    [InlineData("")]
    public void A_corrupt_step_is_reported_and_nothing_is_loaded(string step)
    {
        string path = PathOf("step.safetensors");
        Checkpoint.Save(Trained(), path);
        EditMetadata(path, m => m[Checkpoint.StepKey] = step);
        var fresh = new SoftmaxRegression(4, 3) { Step = 11 };
        var before = (float[])fresh.Parameters.Clone();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(fresh, path));
        Assert.Contains($"metadata '{Checkpoint.StepKey}' is \"{step}\", expected a step count", e.Message);
        Assert.Equal(before, fresh.Parameters);
        Assert.Equal(11, fresh.Step);
    }

    [Theory]
    [InlineData("sgd", "optimizer.lr", "NaN", "expected a finite number")]
    [InlineData("sgd", "optimizer.lr", "Infinity", "expected a finite number")]
    [InlineData("sgd", "optimizer.lr", "-0.5", "The learning rate must be ≥ 0")]
    [InlineData("sgd", "optimizer.momentum", "-1", "Momentum must be ≥ 0")]
    [InlineData("sgd", "optimizer.momentum", "0", "Nesterov momentum requires a momentum > 0")]
    [InlineData("sgd", "optimizer.weight_decay", "abc", "expected a finite number")]
    [InlineData("sgd", "optimizer.step", "1e20", "expected a step count")]
    [InlineData("sgd", "optimizer.step", "-1", "expected a step count")]
    [InlineData("sgd", "optimizer.step", "abc", "expected a step count")]
    [InlineData("adamw", "optimizer.beta1", "1", "β1 must lie in [0, 1)")]
    [InlineData("adamw", "optimizer.beta2", "-0.1", "β2 must lie in [0, 1)")]
    [InlineData("adamw", "optimizer.eps", "-1e-8", "ε must be ≥ 0")]
    public void Corrupt_optimizer_metadata_is_reported_and_nothing_is_loaded(string kind, string key, string value, string expected)
    {
        Optimizer Make() => kind == "sgd" ? new Sgd(0.1f, momentum: 0.9f, nesterov: true) : new AdamW(0.01f);
        var optimizer = Make();
        string path = PathOf("opt.safetensors");
        Checkpoint.Save(Trained(optimizer), path, optimizer);
        EditMetadata(Checkpoint.OptimizerPath(path), m => m[key] = value);

        var fresh = new SoftmaxRegression(4, 3);
        var freshOptimizer = Make();
        var before = (float[])fresh.Parameters.Clone();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(fresh, path, freshOptimizer));
        Assert.Contains(expected, e.Message);
        Assert.Contains(Checkpoint.OptimizerPath(path), e.Message);
        Assert.Equal(before, fresh.Parameters);
        Assert.Equal(0, fresh.Step);
        Assert.Equal(0, freshOptimizer.StepCount);
        Assert.Equal(kind == "sgd" ? 0.1f : 0.01f, freshOptimizer.LearningRate);
        Assert.Empty(freshOptimizer.ExportState().Buffers);
    }

    [Fact]
    public void Weights_and_optimizer_state_from_different_saves_are_refused()
    {
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        var net = Trained(optimizer);
        string path = PathOf("pair.safetensors");
        Checkpoint.Save(net, path, optimizer);
        net.Step++;
        Checkpoint.Save(net, path, overwrite: true); // newer weights, old optimizer file
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path, new Sgd(0.1f, momentum: 0.9f)));
        Assert.Contains("saved at network step 3, the weights are from step 4", e.Message);
    }

    [Fact]
    public void Reserved_metadata_keys_are_refused_before_anything_is_written()
    {
        string path = PathOf("r.safetensors");
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(Trained(), path, metadata: new Dictionary<string, string> { [Checkpoint.StepKey] = "7" }));
        Assert.Contains($"'{Checkpoint.StepKey}' is reserved", e.Message);
        Assert.Throws<CheckpointException>(() => Checkpoint.Save(Trained(), path, metadata: new Dictionary<string, string> { ["optimizer.lr"] = "1" }));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Overwrite_is_needed_for_either_file_of_the_pair()
    {
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        var net = Trained(optimizer);
        string path = PathOf("p.safetensors");
        File.WriteAllBytes(Checkpoint.OptimizerPath(path), [1]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Save(net, path, optimizer));
        Assert.Contains(Checkpoint.OptimizerPath(path), e.Message);
        Assert.False(File.Exists(path));
    }

    // ---- LoadPyTorch: plain state_dict files under PyTorch names ----

    private static ParameterHolder TorchvisionLike() => new(("Features_0.weight", [2, 1, 3, 3]), ("Features_0.bias", [2]), ("Classifier_6.weight", [3, 4]));

    private string StateDict(params (string Name, int[] Shape)[] tensors)
    {
        string path = PathOf("state_dict.safetensors");
        var written = new List<SafeTensor>();
        float next = 0;
        foreach (var (name, shape) in tensors)
        {
            var data = new float[shape.Aggregate(1, (a, b) => a * b)];
            for (int i = 0; i < data.Length; i++) data[i] = next++;
            written.Add(new SafeTensor(name, shape, data));
        }
        SafeTensors.Write(path, written, new Dictionary<string, string> { ["format"] = "pt" }, overwrite: true);
        return path;
    }

    [Fact]
    public void LoadPyTorch_reads_each_parameter_under_its_pytorch_name()
    {
        // Written in another order than the network's, as a state_dict may be: each tensor is found by name.
        string path = StateDict(("classifier.6.weight", [3, 4]), ("features.0.weight", [2, 1, 3, 3]), ("features.0.bias", [2]));
        var net = TorchvisionLike();
        net.Step = 7;
        var info = Checkpoint.LoadPyTorch(net, path);
        Assert.Equal(Enumerable.Range(12, 18).Select(i => (float)i), net.ParameterTensors[0].Values.ToArray());
        Assert.Equal([30f, 31f], net.ParameterTensors[1].Values.ToArray());
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), net.ParameterTensors[2].Values.ToArray());
        Assert.Equal(7, net.Step); // a plain state_dict has no step
        Assert.Null(info.ArchitectureHash);
    }

    /// <summary>A state_dict that does not fit, as (name, shape) pairs, then what the error must say and the tensor it names.</summary>
    public static TheoryData<(string, int[])[], string[], string> MisfitStateDicts => new()
    {
        {   // missing: named by the file's name and ours
            [("features.0.weight", [2, 1, 3, 3]), ("features.0.bias", [2])],
            ["no parameter tensor 'classifier.6.weight' (for ParameterHolder.Classifier_6.weight) (expected shape [3, 4])"],
            "classifier.6.weight"
        },
        {   // mis-shaped: both shapes
            [("features.0.weight", [2, 1, 5, 5]), ("features.0.bias", [2]), ("classifier.6.weight", [3, 4])],
            ["'features.0.weight' (for ParameterHolder.Features_0.weight)", "has shape [2, 1, 5, 5], the network expects [2, 1, 3, 3]"],
            "features.0.weight"
        },
        {   // extra: the rule is shown, since a misspelt property is the likely cause
            [("features.0.weight", [2, 1, 3, 3]), ("features.0.bias", [2]), ("classifier.6.weight", [3, 4]), ("classifier.6.bias", [3])],
            ["holds tensor 'classifier.6.bias' [3], which ParameterHolder does not have", "Features_0.weight reads 'features.0.weight'"],
            "classifier.6.bias"
        },
    };

    [Theory]
    [MemberData(nameof(MisfitStateDicts))]
    public void LoadPyTorch_names_a_misfit_tensor_and_changes_nothing((string, int[])[] tensors, string[] messageParts, string tensorName)
    {
        string path = StateDict(tensors);
        var net = TorchvisionLike();
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadPyTorch(net, path));
        foreach (string part in messageParts) Assert.Contains(part, e.Message);
        Assert.Equal(tensorName, e.TensorName);
        Assert.All(net.Parameters, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LoadPyTorch_sends_files_written_by_Save_to_Load()
    {
        string path = PathOf("ours.safetensors");
        Checkpoint.Save(Trained(), path);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadPyTorch(new SoftmaxRegression(4, 3), path));
        Assert.Contains("load it with Checkpoint.Load", e.Message);
    }
}
