using DeepPsych.Dsl.Benchmarks;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static DeepPsych.Dsl.Benchmarks.PeerTiming;

// ONNX Runtime's LeNet-5 inference at batch 1 and 256, timed as our side and PyTorch's are (PeerTiming).
//   OnnxRuntimePeer MODEL.onnx [threads=2]
if (args.Length < 1) { Console.Error.WriteLine("usage: OnnxRuntimePeer MODEL.onnx [threads]"); return 2; }
int threads = args.Length > 1 ? int.Parse(args[1]) : 2;
using var options = new SessionOptions
{
    IntraOpNumThreads = threads,
    InterOpNumThreads = 1,
    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
};
using var session = new InferenceSession(args[0], options);
Info("isa", $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}, {threads} intra-op threads, default CPU provider (MLAS picks its kernels by CPUID)");
var rng = new Random(42);
foreach (int batch in new[] { 1, 256 })
{
    var input = new DenseTensor<float>(new[] { batch, 1, 28, 28 });
    for (int i = 0; i < input.Length; i++) input.SetValue(i, (float)(rng.NextDouble() * 2 - 1));
    var output = new DenseTensor<float>(new[] { batch, 10 });
    using var x = FixedBufferOnnxValue.CreateFromTensor(input);
    using var y = FixedBufferOnnxValue.CreateFromTensor(output);
    string[] inNames = { "x" }, outNames = { "logits" };
    var inputs = new[] { x };
    var outputs = new[] { y };
    void Infer() => session.Run(inNames, inputs, outNames, outputs);
    if (batch == 1) Report("lenet5_infer_b1", Median(Infer, 200, 30), 1, "images/s");
    else Report("lenet5_infer_b256", Median(Infer, 10, 15), 256, "images/s");
}
return 0;
