namespace DeepPsych.Dsl.Generators.Model;

/// <summary>One layer as declared: its name, its kind's options record (see Layers/), the values it reads and the
/// accessibility of its property. Symbol-free and equatable.</summary>
internal sealed record LayerSpec(
    string Name,
    LayerOptions Options,
    /// <summary>The values it reads: −1 is the network input, i ≥ 0 is layer i's output (sequential: the layer before).</summary>
    EquatableArray<int> Inputs,
    /// <summary>The declared accessibility of the layer property, repeated on its generated implementation.</summary>
    string Accessibility,
    /// <summary>A node a <c>Forward(Tensor)</c> body creates (a '+', Concat, an activation function): it has no property.</summary>
    bool Implicit = false);

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
    Loss Loss,
    EquatableArray<LayerDeclaration> Layers,
    /// <summary>Class weights / ignore index of the softmax cross-entropy, when declared.</summary>
    LossWeighting? Weighting = null);

/// <summary>What parsing one class produced: a spec when it can go on, and the diagnostics found so far.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
