namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>The only list of layer kinds (a strategy table, as riok/mapperly's <c>MappingBuilder._builders</c>). Each
/// row lives in its kind's file beside the options record that knows the rest. Adding a kind: docs/adding-a-layer.md.</summary>
internal static class LayerTable
{
    public static readonly IReadOnlyList<LayerKind> Kinds =
    [
        Conv2DOptions.Row,
        DenseOptions.Row,
        MaxPool2DOptions.Row,
        AvgPool2DOptions.Row,
        GlobalAvgPoolOptions.Row,
        AdaptiveAvgPool2DOptions.Row,
        SpatialPyramidPoolOptions.Row,
        LocalResponseNormOptions.Row,
        BatchNormOptions.Row2D,
        BatchNormOptions.Row1D,
        FlattenOptions.Row,
        ActivationOptions.Row,
        SoftmaxOptions.Row,
        SoftmaxOptions.LogRow,
        DropoutOptions.Row,
        IdentityOptions.Row,
    ];

    private static readonly Dictionary<string, LayerKind> ByAttribute = Kinds.ToDictionary(k => k.AttributeName);

    /// <summary>The kind declared by an attribute (metadata name), or null.</summary>
    public static LayerKind? ForAttribute(string attributeName) => ByAttribute.TryGetValue(attributeName, out var kind) ? kind : null;

    /// <summary>Metadata names of the layer handle types (DeepPsych.Dsl.Conv2D, .Pool, …).</summary>
    public static readonly IReadOnlyCollection<string> HandleTypes = new HashSet<string>(Kinds.Select(k => typeof(LayerAttribute).Namespace + "." + k.HandleType));

    /// <summary>"Conv2D, Dense, …" for messages.</summary>
    public static string Names => string.Join(", ", Kinds.Select(k => k.Name));
}
