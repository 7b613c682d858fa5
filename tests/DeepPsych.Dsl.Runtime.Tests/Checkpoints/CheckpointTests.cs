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
        using (var file = SafeTensors.Open(path))
        {
            Assert.NotNull(file.Find(kind == "sgd" ? "optimizer.momentum_buffer.Linear.weight" : "optimizer.exp_avg_sq.Linear.bias"));
            Assert.Equal(kind, file.Metadata["optimizer.kind"]);
            Assert.Equal("3", file.Metadata["optimizer.step"]);
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
        Assert.Contains("no optimizer state", e.Message);

        Checkpoint.Save(Trained(sgd), path, sgd, overwrite: true);
        e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(new SoftmaxRegression(4, 3), path, new Adam()));
        Assert.Contains("'sgd' optimizer state", e.Message);
        Assert.Contains("'adam'", e.Message);
        // Weights alone load fine: optimizer tensors are ignored without an optimizer.
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
}
