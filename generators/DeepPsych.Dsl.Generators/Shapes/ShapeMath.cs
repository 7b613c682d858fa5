namespace DeepPsych.Dsl.Generators.Shapes;

internal static class ShapeMath
{
    public static int Product(IEnumerable<int> shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Formats a shape as PyTorch prints sizes in prose: <c>6x28x28</c>.</summary>
    public static string Format(IEnumerable<int> shape) => string.Join("x", shape);
}
