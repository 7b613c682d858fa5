using System.Text;

namespace DeepPsych.Dsl.Checkpoints;

/// <summary>The name rule between this project's parameter names and a PyTorch module's <c>state_dict</c> keys, so a
/// network declared with properties named after the PyTorch module path loads PyTorch's weights without a table.</summary>
/// <remarks>
/// <para>Our names are C# property names joined by dots, e.g. <c>Features_0.weight</c> or <c>Layer1_0.Conv1.weight</c>.
/// The rule, applied to each dotted segment: <c>_&lt;digits&gt;</c> at the end of a segment starts a new segment
/// (PyTorch's <c>nn.Sequential</c> index), repeatedly (<c>Block_2_1</c> → <c>block.2.1</c>); then each segment's first
/// letter is lower-cased. So <c>Features_0.weight</c> → <c>features.0.weight</c>, <c>Classifier_6.bias</c> →
/// <c>classifier.6.bias</c>, <c>Layer1_0.Conv1.weight</c> → <c>layer1.0.conv1.weight</c>, <c>Fc.weight</c> →
/// <c>fc.weight</c>; names already in PyTorch's form (<c>running_mean</c>) are unchanged.</para>
/// <para>Name properties so that the rule gives PyTorch's path: torchvision's <c>features.3</c> is <c>Features_3</c>, its
/// <c>avgpool</c> is <c>Avgpool</c>. The rule is not reversible in general (<c>ConvA</c> and <c>convA</c> both map to
/// <c>convA</c>), which is why it only ever runs from our names to PyTorch's.</para>
/// </remarks>
public static class PyTorchNames
{
    /// <summary>The PyTorch <c>state_dict</c> key for one of our parameter or state names.</summary>
    /// <param name="name">A dotted name such as <see cref="ParameterTensor.Name"/>.</param>
    /// <exception cref="ArgumentException">An empty name or an empty dotted segment.</exception>
    public static string ToPyTorch(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new StringBuilder(name.Length);
        foreach (string segment in name.Split('.'))
        {
            if (segment.Length == 0) throw new ArgumentException($"'{name}' has an empty segment; expected dotted names such as 'Features_0.weight'.", nameof(name));
            // Peel trailing _<digits> groups: "Block_2_1" → "Block", "2", "1".
            var indices = new Stack<string>();
            string stem = segment;
            for (int underscore = stem.LastIndexOf('_'); underscore > 0 && underscore < stem.Length - 1 && IsDigits(stem.AsSpan(underscore + 1)); underscore = stem.LastIndexOf('_'))
            {
                indices.Push(stem[(underscore + 1)..]);
                stem = stem[..underscore];
            }
            Append(result, char.ToLowerInvariant(stem[0]) + stem[1..]);
            foreach (string index in indices) Append(result, index);
        }
        return result.ToString();
    }

    private static void Append(StringBuilder b, string segment)
    {
        if (b.Length > 0) b.Append('.');
        b.Append(segment);
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (char c in s) if (c is < '0' or > '9') return false;
        return true;
    }
}
