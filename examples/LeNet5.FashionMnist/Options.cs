using System.Globalization;

namespace Examples.FashionMnist;

/// <summary>Command-line options of the main job. Every flag has a default; <c>--help</c> lists them.</summary>
public sealed record Options
{
    public string Network { get; init; } = "lenet5";
    public int Epochs { get; init; } = 3;
    public int BatchSize { get; init; } = 64;
    public string Optimizer { get; init; } = "nesterov";
    public float LearningRate { get; init; } = 0.05f;
    public string Schedule { get; init; } = "onecycle";
    public float WeightDecay { get; init; } = 5e-4f;
    public float Momentum { get; init; } = 0.9f;
    public string Augment { get; init; } = "none";
    public int Seed { get; init; } = 1;
    public string? Data { get; init; }
    public string? Output { get; init; }
    public string Backend { get; init; } = "cpu";
    public int Threads { get; init; } = DeepPsych.Dsl.Distributed.DistributedEnvironment.ThreadsPerRank;   // all cores; under mpirun, shared among the node's ranks
    public int? Limit { get; init; }
    public bool Overwrite { get; init; }
    public bool Plain { get; init; }
    public bool Help { get; init; }

    public const string Usage = """
        Train LeNet-5 or ResNet-20 on Fashion-MNIST with DeepPsych.Dsl (CPU path).

        Usage: lenet5 [options]

          --network NAME      lenet5 | resnet20 (default lenet5). Each network brings its recipe's defaults, which the
                              flags below override; resnet20: 10 epochs, batch 128, --lr 0.1, --augment crop-flip
          --epochs N          epochs to train (default 3)
          --batch-size N      mini-batch size (default 64)
          --optimizer NAME    sgd | nesterov | adam | adamw (default nesterov: SGD with Nesterov momentum)
          --lr X              learning rate; the peak rate for the one-cycle schedule (default 0.05; use 1e-3 for adam)
          --schedule NAME     onecycle | cosine | step | constant (default onecycle)
          --weight-decay X    L2 weight decay (default 5e-4; biases are not decayed)
          --momentum X        SGD momentum (default 0.9)
          --augment NAME      none | crop-flip: a random crop after padding by 2 and a horizontal flip with
                              probability 1/2, drawn per image, training batches only (default none)
          --seed N            seed for initialisation, shuffling and dropout (default 1)
          --data DIR          folder with {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]
                              (default /usr/share/datasets/fashion-mnist)
          --output DIR        where metrics.json, the checkpoint and the plots go (default runs/lenet5-<time>)
          --backend NAME      cpu (default: the vectorized CPU path), or an ILGPU device: ilgpu-cpu, opencl[:i], cuda[:i]
                              (OpenCL on the CPU through PoCL is slow but correct; the run names the devices present)
          --threads N         threads for data-parallel batches (default: all cores; under mpirun, the cores
                              divided among the ranks on each machine)
          --limit N           train on the first N training images only (quick runs; the test set stays whole)
          --overwrite         replace files in an existing output folder
          --plain             plain log lines instead of the live progress bar
          --help              this text

        A flag's value may also follow an equals sign: --epochs=1.
        Data-parallel over Open MPI: train.sh --ranks N (or mpirun -np N dotnet lenet5.dll ...): every rank takes
        1/N of each batch, gradients are all-reduced, rank 0 reports and writes the files.
        """;

    public static Options Parse(string[] args)
    {
        // --flag=value is --flag value (GNU style).
        args = Examples.Plotting.CommandLine.ExpandEquals(args);
        // The network comes first: its recipe (NetworkChoice) gives the defaults that the other flags override.
        var o = NetworkChoice.Find(NetworkFlag(args)).Defaults;
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value. See --help.");
            int Int() { var v = Value(); return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"{flag} needs a positive whole number, not '{v}'."); }
            float Float() { var v = Value(); return float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && x >= 0 ? x : throw new ArgumentException($"{flag} needs a non-negative number, not '{v}'."); }
            o = flag switch
            {
                "--network" => o with { Network = NetworkChoice.Find(Value()).Name },   // its defaults were applied above
                "--epochs" => o with { Epochs = Int() },
                "--batch-size" => o with { BatchSize = Int() },
                "--optimizer" => o with { Optimizer = OneOf(flag, Value(), "sgd", "nesterov", "adam", "adamw") },
                "--lr" or "--learning-rate" => o with { LearningRate = Float() },
                "--schedule" => o with { Schedule = OneOf(flag, Value(), "onecycle", "cosine", "step", "constant") },
                "--weight-decay" => o with { WeightDecay = Float() },
                "--momentum" => o with { Momentum = Float() },
                "--augment" => o with { Augment = OneOf(flag, Value(), "none", "crop-flip") },
                "--seed" => o with { Seed = Value() is var v && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed) ? seed : throw new ArgumentException($"--seed needs a whole number, not '{v}'.") },
                "--data" => o with { Data = Value() },
                "--output" => o with { Output = Value() },
                "--backend" => o with { Backend = ParseBackend(Value()) },
                "--threads" => o with { Threads = Int() },
                "--limit" => o with { Limit = Int() },
                "--overwrite" => o with { Overwrite = true },
                "--plain" => o with { Plain = true },
                "--help" or "-h" => o with { Help = true },
                _ => throw new ArgumentException($"Unknown option '{flag}'. See --help."),
            };
        }
        return o;
    }

    /// <summary>The value of the last <c>--network</c> (or <c>--network=</c>) flag; lenet5 without one. A flag without a
    /// value is left to the parse loop, which reports it.</summary>
    private static string NetworkFlag(string[] args)
    {
        string name = "lenet5";
        for (int i = 0; i + 1 < args.Length; i++)
            if (args[i] == "--network") name = args[++i];
        return name;
    }

    private static string ParseBackend(string value)
    {
        try { DeepPsych.Dsl.Devices.Device.Parse(value); return value; }
        catch (FormatException e) { throw new ArgumentException($"--backend: {e.Message}"); }
    }

    private static string OneOf(string flag, string value, params string[] allowed)
        => allowed.Contains(value) ? value : throw new ArgumentException($"{flag} must be one of {string.Join(", ", allowed)}, not '{value}'.");
}
