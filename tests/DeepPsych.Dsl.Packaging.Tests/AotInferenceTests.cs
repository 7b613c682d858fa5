using System.Reflection;
using Xunit.Abstractions;

namespace DeepPsych.Dsl.Packaging.Tests;

/// <summary>examples/AotInference published with NativeAOT gives the JIT build's logits, on the same vector path
/// (Vector512/Vector256 as the JIT sees them: IlcInstructionSet makes the fast kernels reachable), with no trim or AOT
/// warning. Opt-in (DEEPPSYCH_AOT_TEST=1): the native compile takes minutes on two cores, and needs clang and lld.
/// Builds into its own artifacts folder, so it never rewrites the solution's bin/obj while other tests run.</summary>
public sealed class AotInferenceTests(ITestOutputHelper output)
{
    public const string OptIn = "DEEPPSYCH_AOT_TEST";

    [SkippableFact]
    public void The_NativeAOT_build_gives_the_JIT_builds_logits_on_the_same_vector_path()
    {
        Skip.IfNot(Environment.GetEnvironmentVariable(OptIn) == "1",
            $"NativeAOT publish takes minutes: set {OptIn}=1 to run it (needs clang and lld: apt-get install -y clang lld)");
        Skip.If(DotnetCli.Executable is null, "the dotnet CLI was not found (DOTNET_HOST_PATH or PATH)");

        var meta = typeof(AotInferenceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value ?? "");
        string repository = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(meta["ProjectFile"])!, "..", ".."));
        string project = Path.Combine(repository, "examples", "AotInference", "AotInference.csproj");
        string root = Directory.CreateTempSubdirectory("deeppsych-aot-").FullName;
        try
        {
            string artifacts = Path.Combine(root, "artifacts"), published = Path.Combine(root, "aot");
            var publish = Run(repository, "publish", project, "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true",
                "-p:UseArtifactsOutput=true", $"-p:ArtifactsPath={artifacts}", "-o", published);
            Assert.True(publish.ExitCode == 0, publish.ToString());
            Assert.DoesNotMatch(@"warning [A-Z]+\d+", publish.Output);   // no IL2xxx (trim) or IL3xxx (AOT) warning

            // The JIT build of the same program: the managed assembly the publish compiled, run by dotnet.
            string jitDll = Directory.EnumerateFiles(Path.Combine(artifacts, "bin", "AotInference"), "AotInference.dll", SearchOption.AllDirectories).First();
            var jit = Run(root, jitDll, "--outputs", Path.Combine(root, "jit.bin"));
            var aot = DotnetCli.RunProgram(Path.Combine(published, "AotInference"), root, "--outputs", Path.Combine(root, "aot.bin"));
            output.WriteLine(jit.Output);
            output.WriteLine(aot.Output);
            Assert.True(jit.ExitCode == 0, jit.ToString());
            Assert.True(aot.ExitCode == 0, aot.ToString());
            Assert.Contains("mode: JIT", jit.Output);
            Assert.Contains("mode: NativeAOT", aot.Output);
            Assert.Equal(Line(jit.Output, "vectors:"), Line(aot.Output, "vectors:"));

            var a = Floats(Path.Combine(root, "jit.bin"));
            var b = Floats(Path.Combine(root, "aot.bin"));
            Assert.Equal(a.Length, b.Length);
            int identical = 0;
            double worst = 0;
            for (int i = 0; i < a.Length; i++)
            {
                if (BitConverter.SingleToInt32Bits(a[i]) == BitConverter.SingleToInt32Bits(b[i])) identical++;
                worst = Math.Max(worst, Math.Abs(a[i] - b[i]) / Math.Max(1.0, Math.Abs(a[i])));
            }
            output.WriteLine($"{identical} of {a.Length} logits bit-identical; worst |jit − aot| / max(1, |jit|) = {worst:E2}");
            Assert.True(worst <= 1e-5, $"NativeAOT logits differ from the JIT's by up to {worst:E2} (relative)");
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private DotnetCli.Result Run(string directory, params string[] args)
    {
        var r = DotnetCli.Run(directory, null, args);
        output.WriteLine($"$ {r.CommandLine}  (exit {r.ExitCode}, {r.Elapsed.TotalSeconds:F1} s)");
        return r;
    }

    private static string Line(string text, string prefix) => text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) ?? "";

    private static float[] Floats(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, values, 0, values.Length * sizeof(float));
        return values;
    }
}
