using System.Globalization;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>One declared layer's options, one record per kind (<c>Conv2DOptions</c>, <c>DenseOptions</c>, …), and
/// everything the generator knows about that kind: validation and output shape, parameters, FLOPs, what forward keeps
/// for backward, summary text, and its forward and backward statements for the CPU and device passes. A node that
/// emits itself: the parser, shape inference, planner and emitters call these members and never ask which kind it is.
/// Records are symbol-free and compare by value, so the incremental pipeline caches on them.</summary>
internal abstract record LayerOptions
{
    /// <summary>The kind's row in <see cref="LayerTable"/> (attribute, handle type). Not a field: equality ignores it.</summary>
    public abstract LayerKind Kind { get; }

    /// <summary>Inputs this kind reads (one for every declared kind; Add reads two, Concat two or more).</summary>
    public virtual int Arity => 1;

    /// <summary>The activation applied to this layer's output: fused (Conv2D, Dense) or the layer itself (Activation).</summary>
    public virtual ActSpec Applied => ActSpec.None;

    /// <summary>True for a layer that only applies <see cref="Applied"/> (a standalone activation): Auto init of the
    /// layer before it looks through to it.</summary>
    public virtual bool IsStandaloneActivation => false;

    /// <summary>True for a layer whose outputs are probabilities (Softmax): a softmax cross-entropy loss right after it would
    /// apply softmax twice, which the planner reports (DPD0062).</summary>
    public virtual bool OutputsProbabilities => false;

    /// <summary>The declared weight initialisation, for kinds with weights.</summary>
    public virtual Init DeclaredInit => Init.Auto;

    // ───────────── shapes ─────────────

    /// <summary>Checks the options against the input shapes and returns the output shape, or null after reporting why
    /// (every rule a runtime op would throw on becomes a diagnostic here).</summary>
    public abstract int[]? OutputShape(ShapeContext c);

    // ───────────── parameters and cost ─────────────

    /// <summary>Whether the kind has parameters (known before shapes are: the training-signal warnings ask it).</summary>
    public virtual bool Trainable => false;

    /// <summary>Parameter tensors in block order (PyTorch names are layer + "." + suffix, layouts as PyTorch's).</summary>
    public virtual IEnumerable<ParameterShape> Parameters(LayerShapes shapes) => [];

    /// <summary>Buffer tensors in order (BatchNorm's running statistics): state training moves but no optimizer touches,
    /// named layer + "." + suffix as PyTorch's state_dict.</summary>
    public virtual IEnumerable<BufferShape> Buffers(LayerShapes shapes) => [];

    /// <summary>Forward FLOPs per sample: a multiply-add is 2; pooling and activations count one per element visited.</summary>
    public abstract long Flops(LayerShapes shapes);

    // ───────────── memory: what forward keeps for backward ─────────────

    /// <summary>False for a view of its input (Flatten, Identity): no output buffer.</summary>
    public virtual bool OwnsOutput => true;

    /// <summary>Per-sample buffers forward fills and backward reads besides the output (max-pool switches, dropout masks).</summary>
    public virtual IEnumerable<SavedBuffer> Saved => [];

    /// <summary>Backward can turn dL/dy into dL/dx in dy's own memory (a view, or an element-wise in-place update). The
    /// planner uses it only when the input has no other consumer; otherwise the kind accumulates into a separate dx.</summary>
    public virtual bool GradientInPlace => false;

    /// <summary>Per-node state besides the per-sample buffers: arrays of the generated class (and of the device
    /// workspace) or of each CPU shard's workspace (BatchNorm's batch mean, partial sums).</summary>
    public virtual IEnumerable<NodeState> State(NodePlan node) => [];

    // ───────────── batch coupling (the CPU pass splits a batch over shards) ─────────────

    /// <summary>True when training needs the whole batch at this node (BatchNorm's batch statistics): the CPU pass then
    /// ends a stage at it, forward and backward. Each shard's stage ends with <see cref="ForwardPartials"/> (or
    /// <see cref="BackwardPartials"/>); the calling thread runs <see cref="ForwardCombine"/> (<see cref="BackwardCombine"/>);
    /// the next stage starts with <see cref="Forward"/> (<see cref="Backward"/>). The device pass has one workspace
    /// for the whole batch and calls only Forward and Backward.</summary>
    public virtual bool CouplesBatch => false;

    /// <summary>True when the op runs faster per sample on more samples per call (a dense layer's GEMM, whose rows are the
    /// samples): depth-first inference (<see cref="Planning.MemoryPlan.InferenceChunk"/>) runs the layers before the first such
    /// one a few samples at a time, and this one and the rest on the whole shard.</summary>
    public virtual bool PrefersWholeBatch => false;

    /// <summary>Checks of a training call's batch (<c>batch</c> in scope), emitted at the top of ComputeGradients.</summary>
    public virtual void TrainingCheck(LayerCode c) { }

    /// <summary>End of a CPU forward stage, per shard, training only: this shard's partial statistics of the input.</summary>
    public virtual void ForwardPartials(LayerCode c) { }

    /// <summary>Between CPU stages, on the calling thread (<c>shards</c> in scope): combine the shards' partials.</summary>
    public virtual void ForwardCombine(LayerCode c) { }

    /// <summary>End of a CPU backward stage, per shard: this shard's partial sums of dL/dy.</summary>
    public virtual void BackwardPartials(LayerCode c) { }

    /// <summary>Between CPU backward stages, on the calling thread: combine the partials, add parameter gradients once.</summary>
    public virtual void BackwardCombine(LayerCode c) { }

    // ───────────── text ─────────────

    /// <summary>A one-line description for comments and the summary: "Conv2D 6@5x5 s1 p2 +ReLU".</summary>
    public abstract string Describe();

    /// <summary>The options in the architecture hash (format 1, which checkpoints already carry): every kind fills the
    /// same tuple, with the attribute defaults where it has no such option. Kept stable so saved checkpoints still load.</summary>
    public abstract string HashText { get; }

    /// <summary>Format 1 of the hash text: units, window, groups, bias, activation, slope, rate, count-include-pad; then, only when
    /// set, per-side padding and ceil mode.</summary>
    protected static string HashFields(int units = 0, Window2D? window = null, int groups = 1, bool bias = false, ActSpec? act = null, double rate = 0, bool countIncludePad = true)
    {
        var w = window ?? new Window2D(1, 1, 1, 1, 0, 0, 1, 1);
        var a = act ?? ActSpec.None;
        return string.Join(",", units, w.KernelH, w.KernelW, w.StrideH, w.StrideW, w.PadH, w.PadW, w.DilationH, w.DilationW, groups, bias, a.Function,
            a.LeakySlope.ToString("R", CultureInfo.InvariantCulture), rate.ToString("R", CultureInfo.InvariantCulture), countIncludePad)
            // Options added later extend the text only where they differ from their default, so older networks keep their hash.
            + (w.Asymmetric ? $",pads={w.PadH};{w.PadW};{w.PadBottom};{w.PadRight}" : "") + (w.CeilMode ? ",ceil" : "");
    }

    // ───────────── emission ─────────────

    /// <summary>A static geometry field for the generated class, or null.</summary>
    public virtual string? GeometryField(NodePlan node) => null;

    /// <summary>Constructor arguments of the layer's handle (<c>new Conv2D(...)</c>); <paramref name="shape"/> is a C# int[] literal.</summary>
    public virtual string HandleArguments(NodePlan node, string shape) => $"{node.PathLiteral}, {shape}";

    /// <summary>Forward statements after the header comment: the math as a comment, then the call.</summary>
    public abstract void Forward(LayerCode c);

    /// <summary>Backward statements after the header comment. Every dL/dx is accumulated (+=); zeroing is the planner's step.</summary>
    public abstract void Backward(LayerCode c);

    // ───────────── export ─────────────

    /// <summary>The layer as ONNX node(s), opset 13, inference semantics (runtime: DeepPsych.Dsl.Onnx.OnnxExport). A kind
    /// that does not override this cannot be exported: the export throws naming the layer and its kind, and writes nothing.</summary>
    /// <summary>True when the output is W·x + b per output channel (channel first) with nothing applied after it, so an
    /// eval-mode BatchNorm reading it folds into W and b exactly (Conv2D and Dense without a fused activation).</summary>
    public virtual bool AffinePerOutputChannel => false;

    public virtual void Onnx(OnnxCode c) => c.Unsupported("this layer kind has no ONNX form yet (add its Onnx member in generators/DeepPsych.Dsl.Generators/Layers/)");
}

/// <summary>A row of the layer table: the attribute that declares a kind, the property type it is declared with, and
/// how its options are read. Reading applies the defaults, which come from the attribute classes themselves. A kind that
/// only a <c>Forward(Tensor)</c> body creates (Add, Concat) has no attribute and is not in <see cref="LayerTable.Kinds"/>.</summary>
internal sealed class LayerKind(string name, System.Type? attribute, string handleType, System.Func<AttributeReader, LayerOptions> read)
{
    /// <summary>The kind as users and the summary name it: "Conv2D".</summary>
    public string Name { get; } = name;
    /// <summary>Metadata name of the attribute, e.g. DeepPsych.Dsl.Conv2DAttribute.</summary>
    public string AttributeName { get; } = attribute?.FullName ?? "";
    /// <summary>The DeepPsych.Dsl layer handle type the property must be declared with, e.g. Pool.</summary>
    public string HandleType { get; } = handleType;
    /// <summary>An example attribute for messages that suggest one.</summary>
    public string Example { get; init; } = name;

    public LayerOptions Read(AttributeReader attribute) => read(attribute);
}

/// <summary>One parameter tensor a kind declares: the suffix of its PyTorch name, its shape and its fans for initialisation.</summary>
internal readonly record struct ParameterShape(string Suffix, int[] Shape, int FanIn, int FanOut);

/// <summary>A node's input shapes (one per input, in order) and its output shape, for parameters and FLOPs.</summary>
internal readonly record struct LayerShapes(IReadOnlyList<int[]> Inputs, int[] Output)
{
    /// <summary>The input of a one-input kind.</summary>
    public int[] Input => Inputs[0];
}

/// <summary>One buffer tensor a kind declares: the suffix of its PyTorch name, its shape, its initial value, and whether
/// it is int64 (PyTorch's <c>num_batches_tracked</c>, shape []).</summary>
internal readonly record struct BufferShape(string Suffix, int[] Shape, float InitialValue, bool IsInt64 = false);

/// <summary>Where a <see cref="NodeState"/> array lives.</summary>
internal enum StateScope
{
    /// <summary>A field of the generated class (<c>_Bn1Mean</c>) and of the device workspace (<c>d.Bn1Mean</c>).</summary>
    Network,
    /// <summary>A field of the generated class only (the CPU pass's combining step).</summary>
    CpuNetwork,
    /// <summary>A field of each CPU shard's workspace (<c>ws.Bn1Partials</c>).</summary>
    Shard,
}

/// <summary>A per-node array (not per sample): field suffix, element type ("float" or "double"), length, scope and why.</summary>
internal readonly record struct NodeState(string Suffix, string Type, int Length, StateScope Scope, string Why);

/// <summary>A per-sample buffer a kind keeps from forward for backward: field suffix, element type and why.</summary>
internal readonly record struct SavedBuffer(string Suffix, bool IsInt, string Why);
