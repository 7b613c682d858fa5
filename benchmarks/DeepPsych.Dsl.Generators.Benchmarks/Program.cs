using BenchmarkDotNet.Running;
using DeepPsych.Dsl.Generators.Benchmarks;

// dotnet run -c Release --project benchmarks/DeepPsych.Dsl.Generators.Benchmarks -- [BenchmarkDotNet args, e.g. --filter *Vgg16*]
BenchmarkSwitcher.FromAssembly(typeof(GeneratorBenchmarks).Assembly).Run(args);
