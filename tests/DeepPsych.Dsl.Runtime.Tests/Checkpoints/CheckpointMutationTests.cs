using DeepPsych.Dsl.Checkpoints;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Tests.Training;

namespace DeepPsych.Dsl.Tests.Checkpoints;

/// <summary>Seeded mutations of valid files (<see cref="FileMutations"/>): whatever the bytes, the readers either succeed
/// or throw <see cref="CheckpointException"/>; they never allocate more than a bound proportional to the file size; and a
/// failed <see cref="Checkpoint.Load"/> changes neither the network nor the optimizer.</summary>
public sealed class CheckpointMutationTests : IDisposable
{
    /// <summary>Allocation bound of one read: the file streams' buffers and JSON parsing (a constant), plus a small
    /// multiple of the bytes in the files read.</summary>
    internal static long AllocationBound(long fileBytes) => (512 << 10) + 64 * fileBytes;

    private const int Cases = 1500;

    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-mutate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (byte[] Bytes, string What) Mutate(byte[] valid, Random random)
        => random.Next(2) == 0 ? FileMutations.Bytes(valid, random) : FileMutations.SafeTensorsHeader(valid, random);

    [Fact]
    public void Opening_and_reading_every_tensor_of_a_mutated_file_succeeds_or_throws_a_checkpoint_exception()
    {
        string source = Path.Combine(_dir, "valid.safetensors");
        SafeTensors.Write(source, [new SafeTensor("a.weight", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }), new SafeTensor("a.bias", [2], new float[] { -1, 1 }),
            new SafeTensor("empty", [0, 4], ReadOnlyMemory<float>.Empty), new SafeTensor("s", [], new float[] { 7 })],
            new Dictionary<string, string> { ["k"] = "v", ["step"] = "12" });
        var valid = File.ReadAllBytes(source);
        string path = Path.Combine(_dir, "mutated.safetensors");
        var random = new Random(9001);
        int rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            var (bytes, what) = Mutate(valid, random);
            File.WriteAllBytes(path, bytes);
            if (FileMutations.Read<CheckpointException>(() =>
                {
                    using var file = SafeTensors.Open(path);
                    foreach (var t in file.Tensors) file.ReadFloat32(t.Name);
                }, AllocationBound(bytes.Length), $"case {i} ({what})", path))
                rejected++;
        }
        Assert.InRange(rejected, Cases / 2, Cases); // most mutations break the file; a few (data bits) are harmless
    }

    [Fact]
    public void A_mutated_checkpoint_loads_or_throws_a_checkpoint_exception_and_a_failed_load_changes_nothing()
    {
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(1);
        var optimizer = new Sgd(0.1f, momentum: 0.9f, nesterov: true);
        for (int s = 0; s < 2; s++) { net.ZeroGradients(); net.ComputeGradients([1, 0, -1, 2], [2], 1); optimizer.Step(net); }
        string path = Path.Combine(_dir, "net.safetensors");
        Checkpoint.Save(net, path, optimizer);
        string optimizerPath = Checkpoint.OptimizerPath(path);
        var validWeights = File.ReadAllBytes(path);
        var validOptimizer = File.ReadAllBytes(optimizerPath);

        var target = new SoftmaxRegression(4, 3) { Step = 99 };
        target.InitializeParameters(2);
        var targetOptimizer = new Sgd(0.5f, momentum: 0.5f);
        var random = new Random(4242);
        int rejected = 0;
        for (int i = 0; i < Cases; i++)
        {
            bool weights = random.Next(2) == 0;
            var (bytes, what) = Mutate(weights ? validWeights : validOptimizer, random);
            what = (weights ? "weights file: " : "optimizer file: ") + what;
            File.WriteAllBytes(path, weights ? bytes : validWeights);
            File.WriteAllBytes(optimizerPath, weights ? validOptimizer : bytes);

            var parameters = (float[])target.Parameters.Clone();
            long step = target.Step;
            var state = targetOptimizer.ExportState();
            long fileBytes = bytes.Length + (weights ? validOptimizer.Length : validWeights.Length);
            what = $"case {i} ({what})";
            if (FileMutations.Read<CheckpointException>(() => Checkpoint.Load(target, path, targetOptimizer), AllocationBound(fileBytes), what, path, optimizerPath))
            {
                rejected++;
                Assert.True(parameters.AsSpan().SequenceEqual(target.Parameters), $"{what}: a failed load changed the parameters");
                Assert.True(step == target.Step, $"{what}: a failed load changed the step");
                var after = targetOptimizer.ExportState();
                Assert.True(state.Step == after.Step && state.Buffers.Count == after.Buffers.Count
                    && state.Hyperparameters.Count == after.Hyperparameters.Count && !state.Hyperparameters.Any(h => after.Hyperparameters[h.Key] != h.Value),
                    $"{what}: a failed load changed the optimizer");
            }
            else
            {
                // A harmless mutation loaded: start the next case from a different state again.
                target.InitializeParameters(i);
                target.Step = 99;
                targetOptimizer.ImportState(new Sgd(0.5f, momentum: 0.5f).ExportState());
            }
        }
        Assert.InRange(rejected, Cases / 2, Cases);
    }
}
