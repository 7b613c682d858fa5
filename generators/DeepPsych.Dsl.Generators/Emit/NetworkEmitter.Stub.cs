namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The stub of a network the generator reported an error on: its partial properties and every member a
/// generated network has, each throwing. Without it the user's partial properties have no implementation (CS9248 per
/// layer) and every use of a generated member is an error of its own (CS1061), burying the one DPD error that says
/// what is wrong. The program does not build while the DPD error stands, so the stubs never run.</summary>
internal static partial class NetworkEmitter
{
    /// <summary>The public members of a generated network (Members, Forward, Training, Device) as stubs: the name, the
    /// public declaration, and the explicit interface implementation to emit instead when a member of the user's
    /// already takes the name (a layer named Seed, DPD0010; a method ZeroGradients, DPD0031). Static constants become static properties (a stub has no values to give them).</summary>
    private static readonly (string Name, string Public, string? Explicit)[] StubMembers =
    [
        ("InputLength", "public static int InputLength => throw {0};", null),
        ("OutputLength", "public static int OutputLength => throw {0};", null),
        ("", "int global::DeepPsych.Dsl.INeuralNetwork.InputLength => throw {0};", null),    // always explicit (the public ones are static)
        ("", "int global::DeepPsych.Dsl.INeuralNetwork.OutputLength => throw {0};", null),
        ("ParameterCount", "public static int ParameterCount => throw {0};", null),
        ("FlopsPerSample", "public static long FlopsPerSample => throw {0};", null),
        ("ArchitectureHashValue", "public static string ArchitectureHashValue => throw {0};", null),
        ("SummaryTable", "public static string SummaryTable => throw {0};", null),
        ("Name", "public string Name => throw {0};", "string global::DeepPsych.Dsl.INeuralNetwork.Name => throw {0};"),
        ("InputShape", "public global::System.Collections.Generic.IReadOnlyList<int> InputShape => throw {0};", "global::System.Collections.Generic.IReadOnlyList<int> global::DeepPsych.Dsl.INeuralNetwork.InputShape => throw {0};"),
        ("OutputShape", "public global::System.Collections.Generic.IReadOnlyList<int> OutputShape => throw {0};", "global::System.Collections.Generic.IReadOnlyList<int> global::DeepPsych.Dsl.INeuralNetwork.OutputShape => throw {0};"),
        ("Loss", "public global::DeepPsych.Dsl.Loss Loss => throw {0};", "global::DeepPsych.Dsl.Loss global::DeepPsych.Dsl.INeuralNetwork.Loss => throw {0};"),
        ("ArchitectureHash", "public string ArchitectureHash => throw {0};", "string global::DeepPsych.Dsl.INeuralNetwork.ArchitectureHash => throw {0};"),
        ("Parameters", "public float[] Parameters => throw {0};", "float[] global::DeepPsych.Dsl.INeuralNetwork.Parameters => throw {0};"),
        ("Gradients", "public float[] Gradients => throw {0};", "float[] global::DeepPsych.Dsl.INeuralNetwork.Gradients => throw {0};"),
        ("ParameterTensors", "public global::System.Collections.Generic.IReadOnlyList<global::DeepPsych.Dsl.ParameterTensor> ParameterTensors => throw {0};", "global::System.Collections.Generic.IReadOnlyList<global::DeepPsych.Dsl.ParameterTensor> global::DeepPsych.Dsl.INeuralNetwork.ParameterTensors => throw {0};"),
        ("Layers", "public global::System.Collections.Generic.IReadOnlyList<global::DeepPsych.Dsl.Layer> Layers => throw {0};", "global::System.Collections.Generic.IReadOnlyList<global::DeepPsych.Dsl.Layer> global::DeepPsych.Dsl.INeuralNetwork.Layers => throw {0};"),
        ("Threads", "public int Threads { get => throw {0}; set => throw {0}; }", "int global::DeepPsych.Dsl.INeuralNetwork.Threads { get => throw {0}; set => throw {0}; }"),
        ("Seed", "public int Seed { get => throw {0}; set => throw {0}; }", "int global::DeepPsych.Dsl.INeuralNetwork.Seed { get => throw {0}; set => throw {0}; }"),
        ("Step", "public long Step { get => throw {0}; set => throw {0}; }", "long global::DeepPsych.Dsl.INeuralNetwork.Step { get => throw {0}; set => throw {0}; }"),
        ("Summary", "public string Summary() => throw {0};", "string global::DeepPsych.Dsl.INeuralNetwork.Summary() => throw {0};"),
        ("InitializeParameters", "public void InitializeParameters(int seed) => throw {0};", "void global::DeepPsych.Dsl.INeuralNetwork.InitializeParameters(int seed) => throw {0};"),
        ("ZeroGradients", "public void ZeroGradients() => throw {0};", "void global::DeepPsych.Dsl.INeuralNetwork.ZeroGradients() => throw {0};"),
        ("Forward", "public void Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch) => throw {0};", "void global::DeepPsych.Dsl.INeuralNetwork.Forward(global::System.ReadOnlySpan<float> input, global::System.Span<float> output, int batch) => throw {0};"),
        ("ComputeGradients", "public float ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch, global::System.Span<float> outputs = default) => throw {0};", "float global::DeepPsych.Dsl.INeuralNetwork.ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<int> labels, int batch, global::System.Span<float> outputs) => throw {0};"),
        ("ComputeGradients", "public float ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> targets, int batch, global::System.Span<float> outputs = default) => throw {0};", "float global::DeepPsych.Dsl.INeuralNetwork.ComputeGradients(global::System.ReadOnlySpan<float> input, global::System.ReadOnlySpan<float> targets, int batch, global::System.Span<float> outputs) => throw {0};"),
        ("FirstNonFiniteLayer", "public string? FirstNonFiniteLayer() => throw {0};", "string? global::DeepPsych.Dsl.INeuralNetwork.FirstNonFiniteLayer() => throw {0};"),
        ("BackwardSource", "public string BackwardSource => throw {0};", "string global::DeepPsych.Dsl.INeuralNetwork.BackwardSource => throw {0};"),
        ("UseDevice", "public void UseDevice(global::DeepPsych.Dsl.Devices.IDeviceBackend? backend) => throw {0};", "void global::DeepPsych.Dsl.Devices.IDeviceTrainable.UseDevice(global::DeepPsych.Dsl.Devices.IDeviceBackend? backend) => throw {0};"),
        ("DeviceBackend", "public global::DeepPsych.Dsl.Devices.IDeviceBackend? DeviceBackend => throw {0};", "global::DeepPsych.Dsl.Devices.IDeviceBackend? global::DeepPsych.Dsl.Devices.IDeviceTrainable.DeviceBackend => throw {0};"),
        ("DeviceState", "public global::DeepPsych.Dsl.Devices.DeviceTrainingState? DeviceState => throw {0};", "global::DeepPsych.Dsl.Devices.DeviceTrainingState? global::DeepPsych.Dsl.Devices.IDeviceTrainable.DeviceState => throw {0};"),
    ];

    /// <summary>"Namespace.Outer.Class.stub.g.cs" (HintNames makes it unique).</summary>
    public static string StubHintName(NetworkShell shell) => Dotted(shell.Namespace, shell.ContainingTypes, shell.ClassName) + ".stub.g.cs";

    public static string EmitStub(NetworkShell shell)
    {
        string error = $"new global::System.InvalidOperationException(\"{shell.ClassName} was not generated: the DeepPsych.Dsl generator reported an error on its declaration (a DPD diagnostic). Fix it and rebuild.\")";
        var taken = new HashSet<string>(shell.TakenNames);
        var w = new CodeWriter();
        w.Line("// <auto-generated/>");
        w.Line($"// Stub of {shell.ClassName}: the generator reported an error on it (see the DPD diagnostic), so every member throws.");
        w.Line("// This file only keeps that error the one you see; the program does not build until it is fixed.");
        w.Line("#nullable enable");
        w.Line("#pragma warning disable CS1591");
        w.Line();
        if (shell.Namespace is not null) { w.Line($"namespace {shell.Namespace};"); w.Line(); }
        foreach (var outer in shell.ContainingTypes) w.Open(outer);
        w.Line("[global::System.CodeDom.Compiler.GeneratedCode(\"DeepPsych.Dsl.Generators\", \"0.1.0\")]");
        w.Open($"partial class {shell.ClassName} : {Dsl}.INeuralNetwork, {Dsl}.Devices.IDeviceTrainable");
        if (!shell.HasConstructor)
        {
            w.Line($"public {shell.ClassName}() => throw {error};");
            w.Line($"public {shell.ClassName}(global::DeepPsych.Dsl.INeuralNetwork? sharesParametersWith) => throw {error};");
        }
        foreach (var p in shell.Properties)
            w.Line($"{p.Modifiers} partial {p.Type} {p.Name} {{ {string.Join(" ", p.Accessors.Split(new[] { "; " }, StringSplitOptions.None).Select(a => $"{a} => throw {error};"))} }}");
        foreach (var (name, member, explicitMember) in StubMembers)
        {
            string? line = !taken.Contains(name) ? member : explicitMember;
            if (line is not null) w.Line(line.Replace("{0}", error));
        }
        w.Close();
        foreach (var _ in shell.ContainingTypes) w.Close();
        return w.ToString();
    }
}
