using System.Runtime.CompilerServices;

namespace DeepPsych.Dsl.Generators.Tests.Snapshots;

/// <summary>The example networks' declarations, read from examples/ so that the snapshots cover exactly what users run.</summary>
public static class Networks
{
    public static string XorMlp => Example("XorMlp/XorMlp.cs");
    public static string LeNet5 => Example("LeNet5.FashionMnist/LeNet5.cs");
    public static string ConvNetJsDemo => Example("ConvNetJsDemo/DemoNetwork.cs");
    public static string Overfitting => Example("Overfitting/Networks.cs");

    /// <summary>The graph networks (a residual block, an inception module) the gradient and device tests run.</summary>
    public static string GraphNetworks() => TestNetwork("GraphNetworks.cs");

    /// <summary>Networks built from [Block] classes: a two-stage ResNet and a two-module GoogLeNet with nested blocks.</summary>
    public static string BlockNetworks() => TestNetwork("BlockNetworks.cs");

    private static string TestNetwork(string file, [CallerFilePath] string here = "")
        => File.ReadAllText(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "DeepPsych.Dsl.TestNetworks", file)));

    private static string Example(string path, [CallerFilePath] string here = "")
        => File.ReadAllText(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "examples", path)));
}
