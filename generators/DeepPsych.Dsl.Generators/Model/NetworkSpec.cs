namespace DeepPsych.Dsl.Generators.Model;

/// <summary>Layer kinds the generator knows. Mirrors the layer attributes in DeepPsych.Dsl.</summary>
internal enum LayerKind
{
    Conv2D,
    Dense,
    MaxPool2D,
    AvgPool2D,
    GlobalAvgPool,
    Flatten,
    Activation,
    Dropout,
}

/// <summary>Mirror of DeepPsych.Dsl.Act (the generator must not reference the runtime).</summary>
internal enum ActKind { None = 0, Step = 1, Sigmoid = 2, Tanh = 3, ReLU = 4, LeakyReLU = 5, Softplus = 6 }

/// <summary>Mirror of DeepPsych.Dsl.Loss.</summary>
internal enum LossKind { SoftmaxCrossEntropy = 0, MeanSquaredError = 1 }

/// <summary>Mirror of DeepPsych.Dsl.Init.</summary>
internal enum InitKind { Auto = 0, He = 1, Xavier = 2 }

/// <summary>One layer as declared: the attribute's options, flattened. Symbol-free and equatable.
/// Fields that a kind does not use keep their defaults.</summary>
internal sealed record LayerSpec(
    string Name,
    LayerKind Kind,
    int Units,
    int KernelH,
    int KernelW,
    int StrideH,
    int StrideW,
    int PadH,
    int PadW,
    int DilationH,
    int DilationW,
    int Groups,
    bool Bias,
    ActKind Activation,
    float LeakySlope,
    InitKind Init,
    double Rate,
    bool CountIncludePad,
    /// <summary>Inputs by layer index, in topological order (sequential networks: the layer before; -1 is the network input).</summary>
    EquatableArray<int> Inputs,
    /// <summary>The declared accessibility of the layer property, repeated on its generated implementation.</summary>
    string Accessibility);

/// <summary>A layer and where it was declared. The location is kept apart from <see cref="LayerSpec"/> so that
/// the plan and the emitted source (which hold only specs) stay cached when an edit merely moves code.</summary>
internal sealed record LayerDeclaration(LayerSpec Spec, LocationInfo? Location);

/// <summary>A [Network] class as declared: where it lives, its input, loss and layers.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    string Accessibility,
    LocationInfo? Location,
    EquatableArray<int> InputShape,
    LossKind Loss,
    EquatableArray<LayerDeclaration> Layers);

/// <summary>What parsing one class produced: a spec when it can go on, and the diagnostics found so far.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
