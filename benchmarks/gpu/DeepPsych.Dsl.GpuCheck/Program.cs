using System.Diagnostics;
using System.Globalization;
using DeepPsych.Dsl;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ilgpu;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Optimizers;
using Examples.FashionMnist;

// GPU check: parity of the device kernels against the CPU ops, then timings. Prints human-readable lines, and
// machine-readable "RESULT name value unit" lines that benchmarks/gpu/compare.py pairs with PyTorch's figures.
//   DeepPsych.Dsl.GpuCheck [--device cuda:0] [--small]
// --small: tiny sizes for a dry run on ilgpu-cpu (the simulated GPU is ~300x slower than real cores).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var device = Device.Cuda(0);
bool small = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--device" && i + 1 < args.Length) device = Device.Parse(args[++i]);
    else if (args[i] == "--small") small = true;
    else { Console.Error.WriteLine($"unknown argument {args[i]}; usage: [--device cuda:0|opencl:0|ilgpu-cpu] [--small]"); return 2; }
}

using var backend = IlgpuDevices.Open(device);
Console.WriteLine($"device: {backend.Description}");
var sw = Stopwatch.StartNew();
backend.WarmUp();
Console.WriteLine($"warm-up (load every kernel): {sw.Elapsed.TotalSeconds:F2} s");

int failures = Parity.Run(backend);
Console.WriteLine(failures == 0 ? "parity: all checks passed" : $"parity: {failures} checks FAILED");

// ---- LeNet-5 training step: the generated network on the device (forward, softmax CE, backward, SGD momentum update);
//      parameters, gradients and momentum stay there, per step only the batch goes up and the losses come down ----
foreach (int batch in small ? new[] { 4 } : new[] { 64, 1024 })
{
    var net = new LeNet5();
    net.InitializeParameters(1);
    net.UseDevice(backend);
    var rng = new Random(2);
    var x = new float[batch * 784]; for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
    var y = new int[batch]; for (int i = 0; i < batch; i++) y[i] = rng.Next(10);
    var sgd = new Sgd(0.01f, momentum: 0.9f);
    void Step() { net.ZeroGradients(); net.ComputeGradients(x, y, batch); sgd.Step(net); }
    double seconds = Time(Step, small ? 2 : 20, backend);
    net.UseDevice(null);
    Console.WriteLine($"LeNet-5 train step, batch {batch}: {seconds * 1e3:F2} ms = {batch / seconds:F0} images/s");
    Console.WriteLine($"RESULT lenet_train_b{batch} {batch / seconds:G4} images/s");
}

// ---- conv 3x3 64→64 pad 1 (ResNet block size), forward and forward+backward ----
{
    var g = small ? Conv2DGeometry.Square(8, 14, 14, 8, 3, padding: 1) : Conv2DGeometry.Square(64, 56, 56, 64, 3, padding: 1);
    int n = small ? 2 : 32;
    using var x = backend.Allocate<float>(n * g.InputLength); using var w = backend.Allocate<float>(g.WeightLength);
    using var b = backend.Allocate<float>(g.OutChannels); using var yb = backend.Allocate<float>(n * g.OutputLength);
    using var dx = backend.Allocate<float>(n * g.InputLength); using var dw = backend.Allocate<float>(g.WeightLength); using var db = backend.Allocate<float>(g.OutChannels);
    backend.Fill(x, 0.5f); backend.Fill(w, 0.01f); backend.Fill(yb, 0.1f);
    double flops = 2.0 * n * g.MultiplyAdds;
    string label = $"{n}x{g.InChannels}x{g.InHeight}x{g.InWidth} -> {g.OutChannels} 3x3";
    double fwd = Time(() => backend.Conv2DForward(g, n, x, w, b, yb, Act.ReLU), small ? 2 : 10, backend);
    double both = Time(() => { backend.Conv2DForward(g, n, x, w, b, yb, Act.ReLU); backend.Conv2DBackward(g, n, x, w, yb, dx, dw, db); }, small ? 2 : 10, backend);
    Console.WriteLine($"conv {label}: forward {fwd * 1e3:F2} ms ({flops / fwd / 1e9:F1} GFLOP/s); forward+backward {both * 1e3:F2} ms ({3 * flops / both / 1e9:F1} GFLOP/s)");
    Console.WriteLine($"RESULT conv_fwd {flops / fwd / 1e9:G4} GFLOP/s");
    Console.WriteLine($"RESULT conv_fwd_bwd {3 * flops / both / 1e9:G4} GFLOP/s");
}
return failures == 0 ? 0 : 1;

// Median of `reps` timed runs after one untimed run, each ending with a device synchronisation.
static double Time(Action work, int reps, IDeviceBackend backend)
{
    work(); backend.Synchronize();
    var times = new double[reps];
    for (int r = 0; r < reps; r++)
    {
        var sw = Stopwatch.StartNew();
        work(); backend.Synchronize();
        times[r] = sw.Elapsed.TotalSeconds;
    }
    Array.Sort(times);
    return times[reps / 2];
}
