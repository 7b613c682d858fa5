using BenchmarkDotNet.Running;
using DeepPsych.Dsl.Benchmarks;

// dotnet run -c Release -- peer [rounds]      timing for the side-by-side PyTorch comparison (benchmarks/peer/compare.sh)
// dotnet run -c Release -- [BenchmarkDotNet args, e.g. --filter *LeNet5*]
if (args.Length > 0 && args[0] == "peer")
    return PeerRun.Run(args.Skip(1).ToArray());
BenchmarkSwitcher.FromAssembly(typeof(PeerRun).Assembly).Run(args);
return 0;
