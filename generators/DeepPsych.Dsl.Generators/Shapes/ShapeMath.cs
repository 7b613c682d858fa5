using System.Collections.Generic;
using System.Linq;

namespace DeepPsych.Dsl.Generators.Shapes;

internal static class ShapeMath
{
    public static int Product(IEnumerable<int> shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>Formats a shape as PyTorch prints sizes in prose: <c>6x28x28</c>.</summary>
    public static string Format(IEnumerable<int> shape) => string.Join("x", shape);

    /// <summary>Output size of a sliding window on one axis: ⌊(in + 2p − extent) / s⌋ + 1, extent = d(k − 1) + 1.</summary>
    public static int WindowOutput(int input, int kernel, int stride, int pad, int dilation)
        => (input + 2 * pad - (dilation * (kernel - 1) + 1)) / stride + 1;
}
