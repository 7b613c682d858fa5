namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>The class members every network has: constants (sizes, parameter layout, geometry), fields, the constructor
/// with the parameter tensors and layer handles, and the INeuralNetwork contract.</summary>
internal static partial class NetworkEmitter
{
    private static void EmitConstants(CodeWriter w, NetworkPlan plan)
    {
        w.Line($"/// <summary>Floats per input sample ({ShapeMath.Format(plan.InputShape)}).</summary>");
        w.Line($"public const int InputLength = {plan.InputLength};");
        w.Line($"/// <summary>Floats per output sample ({ShapeMath.Format(plan.Output.OutputShape)}).</summary>");
        w.Line($"public const int OutputLength = {plan.Output.OutputLength};");
        w.Line("/// <summary>Trainable parameters, all in one block.</summary>");
        w.Line($"public const int ParameterCount = {plan.ParameterCount};");
        w.Line("/// <summary>Forward floating-point operations per sample.</summary>");
        w.Line($"public const long FlopsPerSample = {plan.Flops};");
        w.Line("/// <summary>Hash of the architecture; checkpoints are bound to it.</summary>");
        w.Line($"public const string ArchitectureHashValue = \"{plan.ArchitectureHash}\";");
        w.Line("/// <summary>The layer table.</summary>");
        w.Line("public const string SummaryTable =");
        var lines = SummaryTable.Lines(plan);
        for (int i = 0; i < lines.Count; i++)
            w.Line($"    \"{lines[i].Replace("\\", "\\\\").Replace("\"", "\\\"")}{(i < lines.Count - 1 ? "\\n" : "")}\"{(i < lines.Count - 1 ? " +" : ";")}");
        w.Line();

        w.Line("// Per-sample output length of each layer.");
        foreach (var node in plan.Nodes)
            w.Line($"private const int {node.Name}Size = {node.OutputLength};   // {ShapeMath.Format(node.OutputShape)}");
        w.Line();

        w.Line("// Parameter block layout: every tensor's offset and length (weights OIHW or [out, in], as PyTorch).");
        foreach (var p in plan.Parameters)
            w.Line($"private const int {p.Id}Offset = {p.Offset}, {p.Id}Length = {p.Length};   // {p.Name} [{string.Join(", ", p.Shape)}]");
        w.Line();

        if (plan.HasBuffers)
        {
            w.Line("// Buffer block layout (running statistics: moved by training, not parameters, no gradient, no optimizer); int64 buffers by index.");
            foreach (var b in plan.Buffers)
                w.Line(b.IsInt64 ? $"private const int {b.Id}Index = {b.Offset};   // {b.Name} [] int64"
                    : $"private const int {b.Id}Offset = {b.Offset}, {b.Id}Length = {b.Length};   // {b.Name} [{string.Join(", ", b.Shape)}]");
            w.Line("/// <summary>Floats in the buffer block.</summary>");
            w.Line($"public const int BufferCount = {plan.BufferCount};");
            w.Line();
        }

        foreach (var node in plan.Nodes)
            if (node.Options.GeometryField(node) is { } geometry) w.Line(geometry);
        foreach (var field in LossCode.For(plan).Fields) w.Line(field);
        w.Line($"private static readonly int[] s_inputShape = [{string.Join(", ", plan.InputShape)}];");
        w.Line($"private static readonly int[] s_outputShape = [{string.Join(", ", plan.Output.OutputShape)}];");
        w.Line();
    }

    private static void EmitFields(CodeWriter w, NetworkPlan plan)
    {
        w.Line("private readonly float[] _parameters, _gradients;   // one block each (shared with another network when built with sharesParametersWith)");
        w.Line($"private readonly {Dsl}.ParameterTensor[] _parameterTensors;");
        w.Line($"private readonly {Dsl}.Layer[] _layers;");
        foreach (var node in plan.Nodes)
            w.Line($"private readonly {Dsl}.{HandleType(node)} _{node.Name};");
        if (plan.HasBuffers)
        {
            w.Line("private readonly float[] _buffers;");
            w.Line("private readonly long[] _counters;   // int64 buffers (num_batches_tracked)");
            w.Line($"private readonly {Dsl}.BufferTensor[] _bufferTensors;");
        }
        foreach (var node in plan.Nodes)
            foreach (var state in node.Options.State(node).Where(st => st.Scope != Layers.StateScope.Shard))
                w.Line($"private readonly {state.Type}[] _{node.Name}{state.Suffix} = new {state.Type}[{state.Length}];   // {state.Why}");
        if (Staged(plan)) w.Line("private int _stage;   // the stage TrainShard runs (a batch-coupling layer splits a training step into stages)");
        w.Line("private readonly global::System.Action<int> _trainShard, _inferShard;");
        w.Line("private Workspace[] _workspaces = [];");
        w.Line("private int _shardCount;   // shards used by the last call");
        w.Line("private int _batch;        // whole batch of the running step: losses are averaged over it");
        w.Line("private int _threads = global::System.Environment.ProcessorCount;");
        w.Line();
        w.Line("// Read-only views of each parameter tensor in the block.");
        foreach (var p in plan.Parameters)
            w.Line($"private global::System.ReadOnlySpan<float> {p.Id} => new(_parameters, {p.Id}Offset, {p.Id}Length);");
        w.Line();
    }

    private static string HandleType(NodePlan node) => node.Options.Kind.HandleType;

    private static void EmitConstructor(CodeWriter w, NetworkPlan plan)
    {
        string name = Identifier.Escape(plan.ClassName);
        w.Line("/// <summary>Creates the network with parameters initialised from seed 0 (call <see cref=\"InitializeParameters\"/> to reseed).</summary>");
        w.Line($"public {name}() : this(sharesParametersWith: null) {{ }}");
        w.Line();
        w.Line("/// <summary>Creates the network over <paramref name=\"sharesParametersWith\"/>'s parameter, gradient and buffer blocks (null:");
        w.Line("/// its own, initialised from seed 0): one set of weights read and trained through either network, e.g. one SPP-net at");
        w.Line("/// two input sizes. Every parameter and buffer must have the same name, shape and offset in both; see");
        w.Line("/// <see cref=\"global::DeepPsych.Dsl.Execution.ParameterSharing\"/>.</summary>");
        w.Open($"public {name}(global::DeepPsych.Dsl.INeuralNetwork? sharesParametersWith)");
        w.Line($"var blocks = global::DeepPsych.Dsl.Execution.ParameterSharing.For(sharesParametersWith, \"{plan.ClassName}\", ParameterCount{(plan.HasBuffers ? $", BufferCount, {plan.CounterCount}" : "")});");
        w.Line(plan.HasBuffers
            ? "(_parameters, _gradients, _buffers, _counters) = (blocks.Parameters, blocks.Gradients, blocks.Buffers, blocks.Counters);"
            : "(_parameters, _gradients) = (blocks.Parameters, blocks.Gradients);");
        foreach (var p in plan.Parameters)
            w.Line($"var {Local(p)} = new {Dsl}.ParameterTensor(\"{p.Name}\", [{string.Join(", ", p.Shape)}], {p.Id}Offset, _parameters, _gradients, fanIn: {p.FanIn}, fanOut: {p.FanOut}, {Dsl}.Init.{p.Init});");
        foreach (var b in plan.Buffers)
            w.Line(b.IsInt64 ? $"var b{b.Id} = new {Dsl}.BufferTensor(\"{b.Name}\", _counters, {b.Id}Index);"
                : $"var b{b.Id} = new {Dsl}.BufferTensor(\"{b.Name}\", [{string.Join(", ", b.Shape)}], {b.Id}Offset, _buffers, {Layers.Literal.Float(b.InitialValue)});");
        foreach (var node in plan.Nodes)
            w.Line($"_{node.Name} = new {Dsl}.{HandleType(node)}({node.Options.HandleArguments(node, $"[{string.Join(", ", node.OutputShape)}]")});");
        foreach (var use in plan.Blocks)
            w.Line($"{use.Access}.Attach(\"{use.Path}\", [{string.Join(", ", use.Members.Select(m => $"new(\"{m.Property}\", {(m.Node is null ? "null" : "_" + m.Node)})"))}]);");
        w.Line($"_parameterTensors = [{string.Join(", ", plan.Parameters.Select(Local))}];");
        if (plan.HasBuffers) w.Line($"_bufferTensors = [{string.Join(", ", plan.Buffers.Select(b => "b" + b.Id))}];");
        w.Line($"_layers = [{string.Join(", ", plan.Nodes.Select(n => "_" + n.Name))}];");
        w.Line("_trainShard = TrainShard;");
        w.Line("_inferShard = InferShard;");
        w.Line("if (sharesParametersWith is null) InitializeParameters(0);");
        w.Line("else global::DeepPsych.Dsl.Execution.ParameterSharing.Join(sharesParametersWith, this);   // checks the layouts are equal");
        w.Close();
        w.Line();
        foreach (var node in plan.Nodes.Where(n => !n.Layer.Implicit))
            w.Line($"{(node.Layer.Modifiers.Length > 0 ? node.Layer.Modifiers + " " : "")}partial {Dsl}.{HandleType(node)} {Identifier.Escape(node.Name)} => _{node.Name};");
        w.Line();
    }

    /// <summary>The constructor's local for a parameter tensor (the kinds' handle arguments name it: pC1Weight).</summary>
    private static string Local(ParameterPlan p) => "p" + p.Id;

    private static void EmitContract(CodeWriter w, NetworkPlan plan)
    {
        w.Line($"public string Name => \"{plan.ClassName}\";");
        w.Line("public global::System.Collections.Generic.IReadOnlyList<int> InputShape => s_inputShape;");
        w.Line("public global::System.Collections.Generic.IReadOnlyList<int> OutputShape => s_outputShape;");
        w.Line("int global::DeepPsych.Dsl.INeuralNetwork.InputLength => InputLength;");
        w.Line("int global::DeepPsych.Dsl.INeuralNetwork.OutputLength => OutputLength;");
        w.Line($"public {Dsl}.Loss Loss => {Dsl}.Loss.{plan.Loss};");
        w.Line("public string ArchitectureHash => ArchitectureHashValue;");
        w.Line("public float[] Parameters => _device is { } d ? d.HostParameters() : _parameters;   // current after device steps");
        w.Line("public float[] Gradients => _device is { } d ? d.HostGradients() : _gradients;");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Dsl}.ParameterTensor> ParameterTensors => _parameterTensors;");
        if (plan.HasBuffers)
            w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Dsl}.BufferTensor> Buffers => _bufferTensors;   // host access brings device values down");
        w.Line($"public global::System.Collections.Generic.IReadOnlyList<{Dsl}.Layer> Layers => _layers;");
        w.Line("public int Threads { get => _threads; set => _threads = global::System.Math.Clamp(value, 1, global::DeepPsych.Dsl.Execution.WorkerPool.Shared.MaxParallelism); }");
        w.Line("public int Seed { get; set; }");
        w.Line("public long Step { get; set; }");
        w.Line("public string Summary() => SummaryTable;");
        if (plan.HasBuffers)
        {
            w.Line("/// <summary>Seeded parameters (γ = 1, β = 0 for BatchNorm) and fresh running statistics, as PyTorch's reset_parameters.</summary>");
            w.Open("public void InitializeParameters(int seed)");
            w.Line("global::DeepPsych.Dsl.Execution.ParameterInitializer.Initialize(_parameterTensors, seed);");
            w.Line("foreach (var b in _bufferTensors) b.Reset();");
            w.Close();
        }
        else
            w.Line("public void InitializeParameters(int seed) => global::DeepPsych.Dsl.Execution.ParameterInitializer.Initialize(_parameterTensors, seed);");
        w.Line("public void ZeroGradients() { if (_device is { } d) d.ZeroGradients(); else global::System.Array.Clear(_gradients); }");
        w.Line();
    }
}
