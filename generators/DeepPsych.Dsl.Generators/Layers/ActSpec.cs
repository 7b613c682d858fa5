using System.Globalization;

namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>An activation as a layer applies it: the function and the slope of LeakyReLU. Its names and derivative
/// texts for the generated comments live here, once.</summary>
internal readonly record struct ActSpec(Act Function, float LeakySlope)
{
    public static readonly ActSpec None = new(Act.None, new ActivationAttribute(Act.None).LeakySlope);

    public bool IsNone => Function == Act.None;

    /// <summary>The op-call arguments naming this activation: <c>global::DeepPsych.Dsl.Act.ReLU, 0.01f</c>.</summary>
    public string Arguments => $"global::DeepPsych.Dsl.Act.{Function}, {Literal.Float(LeakySlope)}";

    /// <summary>The extra arguments of a fused op call: <c>, Act.ReLU, 0.01f</c> (qualified), or nothing.</summary>
    public string FusedArguments => IsNone ? "" : ", " + Arguments;

    public string MathName => Function switch
    {
        Act.ReLU => "relu",
        Act.LeakyReLU => "leaky_relu",
        Act.Sigmoid => "σ",
        Act.Tanh => "tanh",
        Act.Softplus => "softplus",
        Act.Step => "step",
        _ => "",
    };

    public string Derivative => Function switch
    {
        Act.ReLU => "relu'(z) = [y > 0]",
        Act.LeakyReLU => $"leaky_relu'(z) = y > 0 ? 1 : {LeakySlope.ToString("R", CultureInfo.InvariantCulture)}",
        Act.Sigmoid => "σ'(z) = y (1 − y)",
        Act.Tanh => "tanh'(z) = 1 − y²",
        Act.Softplus => "softplus'(z) = σ(z) = 1 − e^(−y)",
        Act.Step => "step'(z) = 0 almost everywhere: no gradient passes",
        _ => "1",
    };

    /// <summary>The activation as ONNX node(s) from value <paramref name="x"/> to value <paramref name="y"/>. Step has no
    /// ONNX operator: [z &gt; 0] is Relu(Sign(z)) (Sign gives −1, 0 or 1).</summary>
    public void Onnx(OnnxCode c, string x, string y)
    {
        switch (Function)
        {
            case Act.ReLU: c.Add("Relu", [x], y); break;
            case Act.LeakyReLU: c.Add("LeakyRelu", [x], y, OnnxCode.Float("alpha", LeakySlope)); break;
            case Act.Sigmoid: c.Add("Sigmoid", [x], y); break;
            case Act.Tanh: c.Add("Tanh", [x], y); break;
            case Act.Softplus: c.Add("Softplus", [x], y); break;
            case Act.Step:
                c.Add("Sign", [x], y + ".sign");
                c.Add("Relu", [y + ".sign"], y);
                break;
            case Act.None: c.Add("Identity", [x], y); break;
            default: c.Unsupported($"activation {Function} has no ONNX form"); break;
        }
    }

    /// <summary>DPD0014 when the slope is not finite (it is emitted as a literal) or LeakyReLU's slope is outside [0, 1).</summary>
    public void Check(ShapeContext c)
    {
        if (float.IsNaN(LeakySlope) || float.IsInfinity(LeakySlope))
            c.Report(Diagnostics.DiagnosticDescriptors.InvalidOption, c.Name, "LeakySlope", LeakySlope,
                "it must be a finite number (LeakyReLU needs 0 <= LeakySlope < 1; other activations ignore it)");
        else if (Function == Act.LeakyReLU && !(LeakySlope >= 0f && LeakySlope < 1f))
            c.Report(Diagnostics.DiagnosticDescriptors.InvalidOption, c.Name, "LeakySlope", LeakySlope,
                "LeakyReLU needs 0 <= LeakySlope < 1 (its derivative is recovered from the sign of the output)");
    }
}

/// <summary>C# literals in generated code.</summary>
internal static class Literal
{
    /// <summary>A float that round-trips, shortest form first: "0.01f" ("R" can fail to round-trip on .NET Framework
    /// hosts, then "G9" is exact). NaN and ∞ never get here: DPD0014 rejects them first.</summary>
    public static string Float(float value)
    {
        string shortest = value.ToString("R", CultureInfo.InvariantCulture);
        string text = float.Parse(shortest, CultureInfo.InvariantCulture) == value ? shortest : value.ToString("G9", CultureInfo.InvariantCulture);
        return text + "f";
    }

    public static string Bool(bool value) => value ? "true" : "false";
}
