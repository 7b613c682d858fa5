namespace DeepPsych.Dsl.Generators.Model;

/// <summary>One layer as declared: its name, its kind's options record (see Layers/), the values it reads and the
/// accessibility of its property. Symbol-free and equatable.</summary>
internal sealed record LayerSpec(
    string Name,
    LayerOptions Options,
    /// <summary>The values it reads: −1 is the network input, i ≥ 0 is layer i's output (sequential: the layer before).</summary>
    EquatableArray<int> Inputs,
    /// <summary>The layer property's modifiers as written, except 'partial' ("public new", or "" for none), repeated on its
    /// generated implementation: both parts of a partial property must have the same ones (CS8799, CS8800).</summary>
    string Modifiers,
    /// <summary>A node a <c>Forward(Tensor)</c> body creates (a '+', Concat, an activation function): it has no property.</summary>
    bool Implicit = false,
    /// <summary>The dotted path of a layer inside blocks (<c>Layer1.0.Conv1</c>): its checkpoint and display name.
    /// Null for a network's own layer, whose path is its <see cref="Name"/> (which stays the C# identifier stem).</summary>
    string? Path = null)
{
    /// <summary>The name users see: in checkpoints (<c>Layer1.0.Conv1.weight</c>), Layers, the summary and messages.</summary>
    public string DisplayName => Path ?? Name;
}

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
    /// <summary>Every use of a [Block] (attached to its layers by the generated constructor).</summary>
    EquatableArray<BlockUse> Blocks = default,
    /// <summary>The class's own members other than layers, which generated members must not collide with (DPD0040).</summary>
    EquatableArray<UserMember> UserMembers = default,
    /// <summary>Class weights / ignore index of the softmax cross-entropy, when declared.</summary>
    LossWeighting? Weighting = null,
    /// <summary>The class is abstract: no generated code may create an instance of it (FreezeForInference is left out).</summary>
    bool IsAbstract = false);

/// <summary>One use of a [Block] class: the C# expression reaching the instance (<c>Layer1[0]</c>), its path, and the
/// node behind each of the block's layer properties (null where this use's Forward leaves it out).</summary>
internal sealed record BlockUse(string Access, string Path, EquatableArray<BlockMember> Members);

/// <summary>A layer property of a block and the node name (C# stem) it is in this use, or null.</summary>
internal sealed record BlockMember(string Property, string? Node);

/// <summary>What parsing one class produced: a spec when it can go on, the diagnostics found so far, and the class's
/// <see cref="NetworkShell"/> once it is known to be a partial class the generator may add to.</summary>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, NetworkShell? Shell = null);

/// <summary>What the user's code can reference of a network whose layers the generator cannot build (an error was
/// reported): the class and the partial properties that wait for an implementation. The stub emitter implements them,
/// and the network's members, as throwing stubs, so the DPD error is the only one the user sees.</summary>
internal sealed record NetworkShell(
    string? Namespace,
    EquatableArray<string> ContainingTypes,
    string ClassName,
    EquatableArray<PartialProperty> Properties,
    /// <summary>Names of the user's own members (not constructors, not the graph's Forward(Tensor)).</summary>
    EquatableArray<string> TakenNames,
    /// <summary>The user declared a parameterless or a primary constructor: the stub declares none.</summary>
    bool HasConstructor);

/// <summary>A partial property declaration without an implementation: its modifiers ("public", "public static"),
/// its fully qualified type as declared and its accessors ("get", "get; set", "get; init").</summary>
internal sealed record PartialProperty(string Modifiers, string Type, string Name, string Accessors);
