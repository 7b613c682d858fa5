using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Activations;

public class ActivationOpTests
{
    private const float Slope = 0.2f;

    public static TheoryData<Act> AllActs() => new(Enum.GetValues<Act>());

    /// <summary>Inputs away from the kink at 0 (|z| ≥ 0.02), including large magnitudes, with a length that exercises vector bodies and scalar tails.</summary>
    private static float[] Inputs()
    {
        var z = TestData.Uniform(11, 77, -6f, 6f);
        for (int i = 0; i < z.Length; i++) if (MathF.Abs(z[i]) < 0.02f) z[i] = z[i] < 0 ? -0.02f : 0.02f;
        z[0] = 40f; z[1] = -40f; z[2] = 0.5f; z[3] = -0.5f;
        return z;
    }

    [Theory]
    [MemberData(nameof(AllActs))]
    public void Forward_matches_the_reference_in_vector_body_tail_and_scalar_form(Act act)
    {
        var z = Inputs();
        var y = new float[z.Length];
        ActivationOp.Forward(act, Slope, z, y);
        var expected = z.Select(v => ReferenceOps.Activate(act, v, Slope)).ToArray();
        Parity.AssertClose($"{act} span", y, expected);
        Parity.AssertClose($"{act} scalar", z.Select(v => ActivationOp.Apply(act, v, Slope)).ToArray(), expected);
    }

    [Theory]
    [MemberData(nameof(AllActs))]
    public void Forward_works_in_place(Act act)
    {
        var z = Inputs(); var expected = new float[z.Length];
        ActivationOp.Forward(act, Slope, z, expected);
        ActivationOp.Forward(act, Slope, z, z);
        Assert.Equal(expected, z);
    }

    [Theory]
    [MemberData(nameof(AllActs))]
    public void Backward_from_the_output_matches_finite_differences_and_accumulates(Act act)
    {
        // z in (-4, 4) away from 0: the derivative from y is well-conditioned there (softplus' 1 − e^−y loses digits as y → 0).
        var z = Inputs().Select(v => Math.Clamp(v, -4f, 4f)).ToArray();
        var y = new float[z.Length];
        ActivationOp.Forward(act, Slope, z, y);
        var dy = TestData.Uniform(12, z.Length);
        var dx = TestData.Uniform(13, z.Length);
        var dx0 = (float[])dx.Clone();
        ActivationOp.Backward(act, Slope, y, dy, dx);

        var numeric = new double[z.Length];
        for (int i = 0; i < z.Length; i++)
        {
            double h = FiniteDifferences.Step;
            numeric[i] = dx0[i] + dy[i] * (ReferenceOps.Activate(act, z[i] + h, Slope) - ReferenceOps.Activate(act, z[i] - h, Slope)) / (2 * h);
        }
        FiniteDifferences.AssertClose($"{act} dx", dx, numeric, Enumerable.Range(0, z.Length));

        var inPlace = (float[])dy.Clone();
        ActivationOp.ApplyDerivativeInPlace(act, Slope, y, inPlace);
        var expected = new double[z.Length];
        for (int i = 0; i < z.Length; i++) expected[i] = dy[i] * ReferenceOps.ActivationDerivative(act, z[i], Slope);
        FiniteDifferences.AssertClose($"{act} dy*f'", inPlace, expected, Enumerable.Range(0, z.Length));
    }

    [Theory]
    [InlineData(Act.Sigmoid, 100f)]
    [InlineData(Act.Sigmoid, -100f)]
    [InlineData(Act.Tanh, 100f)]
    [InlineData(Act.Tanh, -100f)]
    [InlineData(Act.Softplus, 100f)]
    [InlineData(Act.Softplus, -100f)]
    public void Saturating_inputs_stay_finite(Act act, float z)
    {
        var y = new float[32];
        ActivationOp.Forward(act, Slope, Enumerable.Repeat(z, 32).ToArray(), y);
        Assert.All(y, v => Assert.True(float.IsFinite(v), $"{act}({z}) = {v}"));
        Assert.Equal(ReferenceOps.Activate(act, z, Slope), y[0], 1e-5);
    }

    [Fact]
    public void Mismatched_lengths_throw()
    {
        var e = Assert.Throws<ArgumentException>(() => ActivationOp.Forward(Act.ReLU, 0, new float[3], new float[4]));
        Assert.Contains("ActivationOp.Forward", e.Message);
        Assert.Throws<ArgumentException>(() => ActivationOp.Backward(Act.ReLU, 0, new float[3], new float[3], new float[2]));
        Assert.Throws<ArgumentException>(() => ActivationOp.ApplyDerivativeInPlace(Act.ReLU, 0, new float[3], new float[2]));
    }

    /// <summary>A NaN must survive every activation (PyTorch's behaviour): ReLU(NaN) = 0 would hide a divergence.
    /// 37 elements run the Vector512 body, the Vector256/scalar tail and the scalar <see cref="ActivationOp.Apply"/>.</summary>
    [Theory]
    [InlineData(Act.ReLU)]
    [InlineData(Act.LeakyReLU)]
    [InlineData(Act.Sigmoid)]
    [InlineData(Act.Tanh)]
    [InlineData(Act.Softplus)]
    public void NaN_propagates(Act act)
    {
        var z = Enumerable.Range(0, 37).Select(i => i % 3 == 0 ? float.NaN : i - 18f).ToArray();
        var y = new float[z.Length];
        ActivationOp.Forward(act, 0.01f, z, y);
        for (int i = 0; i < z.Length; i++)
            Assert.Equal(float.IsNaN(z[i]), float.IsNaN(y[i]));
        Assert.True(float.IsNaN(ActivationOp.Apply(act, float.NaN, 0.01f)));
    }
}
