using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Shapes;

/// <summary>Where a layer's input comes from, for messages: "6x14x14 after S2" or "1x28x28 network input".</summary>
internal readonly record struct InputSource(int[] Shape, string After)
{
    public string Text => ShapeMath.Format(Shape);
}

/// <summary>What a kind's <c>OutputShape</c> sees: its name, its inputs' shapes, and where to report problems
/// (on the layer's attribute, naming the shapes and the fix).</summary>
internal sealed class ShapeContext(string name, IReadOnlyList<InputSource> inputs, LocationInfo? location, List<DiagnosticInfo> diagnostics)
{
    private readonly int _before = diagnostics.Count;

    public string Name { get; } = name;
    public IReadOnlyList<InputSource> Inputs { get; } = inputs;
    /// <summary>The input of a one-input kind.</summary>
    public InputSource Input => Inputs[0];

    public void Report(DiagnosticDescriptor descriptor, params object[] arguments) => diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

    /// <summary>Whether this layer reported anything so far.</summary>
    public bool Reported => diagnostics.Count > _before;

    /// <summary>DPD0015 unless the input is C×H×W; <paramref name="kind"/> names the layer kind in the message.</summary>
    public bool NeedsImage(string kind)
    {
        if (Input.Shape.Length == 3) return true;
        Report(Diagnostics.DiagnosticDescriptors.RankMismatch, Name, kind, "channels x height x width", $"the vector {Input.Text}", Input.After,
            "place it before any Dense or Flatten layer, or declare the network Input as new[] { channels, height, width }");
        return false;
    }
}
