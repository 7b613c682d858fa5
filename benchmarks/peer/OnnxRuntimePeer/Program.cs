using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static DeepPsych.Dsl.Benchmarks.PeerTiming;

// ONNX Runtime's side of compare.sh: every inference row of networks.tsv that the workload argument selects, on the
// model export_onnx.py wrote for it (MODELS/<our class>.onnx), timed as our side and PyTorch's are (PeerTiming).
//   OnnxRuntimePeer NETWORKS.tsv MODELS_DIR [all|lenet|classic|classic_more|<workload>] [threads=2]
if (args.Length < 2) { Console.Error.WriteLine("usage: OnnxRuntimePeer NETWORKS.tsv MODELS_DIR [workloads] [threads]"); return 2; }
string only = args.Length > 2 ? args[2] : "all";
int threads = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 2;
using var options = new SessionOptions
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
Info("isa", $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {threads} intra-op threads, default CPU provider (MLAS picks its kernels by CPUID)");
InferenceSession? session = null;
string? loaded = null;
foreach (var line in File.ReadLines(args[0]))
{
    if (line.Length == 0 || line[0] == '#') continue;
    // group workload ours torch mode input batch batches warmup inner reps (networks.tsv's header says what each means)
    var f = line.Split('\t');
    if (f[4] != "infer" || !(only == "all" || only == f[0] || only == f[1])) continue;
    string model = f[2][(f[2].LastIndexOf('.') + 1)..];
    if (model != loaded)
    {
        session?.Dispose();
        session = new InferenceSession(Path.Combine(args[1], model + ".onnx"), options);
        loaded = model;
    }
    int I(int i) => int.Parse(f[i], CultureInfo.InvariantCulture);
    int batch = I(6), warmup = I(8), inner = I(9), reps = I(10);
    int[] sample = Array.ConvertAll(f[5].Split('x'), int.Parse);
    int classes = session!.OutputMetadata["logits"].Dimensions[1];
    var rng = new Random(42);
    var input = new DenseTensor<float>([batch, .. sample]);
    for (int i = 0; i < input.Length; i++) input.SetValue(i, (float)(rng.NextDouble() * 2 - 1));
    var output = new DenseTensor<float>([batch, classes]);
    using var x = FixedBufferOnnxValue.CreateFromTensor(input);
    using var y = FixedBufferOnnxValue.CreateFromTensor(output);
    string[] inNames = ["x"], outNames = ["logits"];
    FixedBufferOnnxValue[] inputs = [x], outputs = [y];
    Report(f[1], Median(() => session.Run(inNames, inputs, outNames, outputs), inner, reps, warmup), batch, "images/s");
}
session?.Dispose();
return 0;
