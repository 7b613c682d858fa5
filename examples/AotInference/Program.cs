using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Examples.FashionMnist;

// LeNet-5 inference, the same program under the JIT (dotnet run) and NativeAOT (dotnet publish -p:PublishAot=true).
// Seeded weights and inputs, so both print the same logits; --outputs FILE writes every logit (float32, little
// endian) for a byte-level comparison. Then the throughput at batch 1 and 256 (median of timed blocks).
//   AotInference [--outputs FILE] [--seconds S]
string? outputsPath = null;
double seconds = 1.0;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--outputs" && i + 1 < args.Length) outputsPath = args[++i];
    else if (args[i] == "--seconds" && i + 1 < args.Length) seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
    else { Console.Error.WriteLine($"unknown argument {args[i]}; usage: AotInference [--outputs FILE] [--seconds S]"); return 2; }
}

// (Not RuntimeFeature.IsDynamicCodeSupported: a PublishAot project switches that off in its JIT build too.)
Console.WriteLine($"mode: {(System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT")}");
Console.WriteLine($"vectors: Vector512 {(Vector512.IsHardwareAccelerated ? "yes" : "no")}, Vector256 {(Vector256.IsHardwareAccelerated ? "yes" : "no")}, FMA {(System.Runtime.Intrinsics.X86.Fma.IsSupported ? "yes" : "no")}");

var net = new LeNet5();
net.InitializeParameters(seed: 1);
const int batch = 256;
var input = new float[batch * LeNet5.InputLength];
ulong state = 0x9E3779B97F4A7C15;
for (int i = 0; i < input.Length; i++)
{
    state = state * 6364136223846793005UL + 1442695040888963407UL;   // a fixed LCG: the same inputs everywhere
    input[i] = (float)((state >> 40) / (double)(1UL << 24)) * 2f - 1f;
}
var output = new float[batch * LeNet5.OutputLength];
net.Forward(input, output, batch);

double checksum = 0;
foreach (float v in output) checksum += v;
Console.WriteLine($"logits of sample 0: {string.Join(" ", output.Take(LeNet5.OutputLength).Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"checksum (sum of {output.Length} logits): {checksum.ToString("R", CultureInfo.InvariantCulture)}");
if (outputsPath is not null)
{
    var bytes = new byte[output.Length * sizeof(float)];
    Buffer.BlockCopy(output, 0, bytes, 0, bytes.Length);
    File.WriteAllBytes(outputsPath, bytes);
}

foreach (int b in new[] { 1, batch })
{
    double perSecond = Throughput(b, seconds);
    Console.WriteLine($"batch {b,3}: {perSecond.ToString("N0", CultureInfo.InvariantCulture)} images/s");
}
return 0;

// Median images/s over blocks of about 50 ms each, after a warm-up block.
double Throughput(int b, double budget)
{
    var x = input.AsSpan(0, b * LeNet5.InputLength).ToArray();
    var y = new float[b * LeNet5.OutputLength];
    int reps = 1;
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalMilliseconds < 50) { for (int r = 0; r < reps; r++) net.Forward(x, y, b); reps *= 2; }
    var rates = new List<double>();
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < budget || rates.Count < 5)
    {
        clock.Restart();
        for (int r = 0; r < reps; r++) net.Forward(x, y, b);
        rates.Add(reps * (double)b / clock.Elapsed.TotalSeconds);
    }
    rates.Sort();
    return rates[rates.Count / 2];
}
