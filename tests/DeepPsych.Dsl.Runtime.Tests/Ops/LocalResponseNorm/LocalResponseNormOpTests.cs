using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.LocalResponseNorm;

public class LocalResponseNormOpTests
{
    /// <summary>(N, C, S, size, α, β, k): windows of 1, even and odd sizes, a window wider than C, AlexNet's (5, 1e-4, 0.75, 2)
    /// and large α so the normalisation matters; S of 1, odd, and above one vector (19, 37).</summary>
    public static TheoryData<int, int, int, int, float, float, float> Cases => new()
    {
        { 1, 1, 1, 1, 0.5f, 0.75f, 1f },
        { 2, 3, 5, 2, 2f, 0.75f, 1f },
        { 1, 5, 19, 3, 1.5f, 0.5f, 2f },
        { 2, 7, 37, 5, 1e-4f, 0.75f, 2f },
        { 2, 6, 17, 5, 3f, 0.75f, 1f },
        { 1, 3, 9, 8, 1f, 1.2f, 0.5f },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Forward_matches_the_reference(int n, int c, int s, int size, float alpha, float beta, float k)
    {
        var x = TestData.Uniform(1, n * c * s, -2f, 2f);
        var y = new float[x.Length]; var scale = new float[x.Length];
        LocalResponseNormOp.Forward(n, c, s, size, alpha, beta, k, x, y, scale);
        Parity.AssertClose("y", y, LrnForward(n, c, s, size, alpha, beta, k, TestData.ToDouble(x)));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences_and_accumulates(int n, int c, int s, int size, float alpha, float beta, float k)
    {
        var x = TestData.Uniform(2, n * c * s, -2f, 2f); var r = TestData.Uniform(3, x.Length);
        var y = new float[x.Length]; var scale = new float[x.Length];
        LocalResponseNormOp.Forward(n, c, s, size, alpha, beta, k, x, y, scale);
        var dx = TestData.Uniform(4, x.Length); var dx0 = TestData.ToDouble(dx);
        LocalResponseNormOp.Backward(n, c, s, size, alpha, beta, k, x, y, scale, r, dx);
        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = FiniteDifferences.Sample(5, xd.Length, 80);
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, LrnForward(n, c, s, size, alpha, beta, k, xd)), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [TorchFact]
    public void Forward_and_backward_match_pytorch_LocalResponseNorm()
    {
        const int n = 2, c = 6, h = 3, w = 5, s = h * w;
        var configs = new[] { (5, 1e-4f, 0.75f, 2f), (4, 2f, 0.75f, 1f), (3, 1.5f, 0.5f, 0.5f) };
        var xs = configs.Select(t => TestData.Uniform(10 + t.Item1, n * c * s, -2f, 2f)).ToArray();
        var dys = configs.Select(t => TestData.Uniform(20 + t.Item1, n * c * s)).ToArray();
        // One interpreter for every configuration: starting Python with torch is the slow part.
        string output = TorchPython.Run($$"""
            for size, alpha, beta, k, xv, dyv in [{{string.Join(", ", configs.Select((t, i) => $"({t.Item1}, {t.Item2:R}, {t.Item3:R}, {t.Item4:R}, {PyList(xs[i])}, {PyList(dys[i])})"))}}]:
                x = torch.tensor(xv).reshape({{n}}, {{c}}, {{h}}, {{w}}).requires_grad_(True)
                y = torch.nn.LocalResponseNorm(size, alpha=alpha, beta=beta, k=k)(x)
                y.backward(torch.tensor(dyv).reshape({{n}}, {{c}}, {{h}}, {{w}}))
                print(" ".join(repr(float(v)) for v in y.detach().flatten()))
                print(" ".join(repr(float(v)) for v in x.grad.flatten()))
            """);
        var lines = output.Trim().Split('\n');
        for (int i = 0; i < configs.Length; i++)
        {
            var (size, alpha, beta, k) = configs[i];
            var x = xs[i];
            var y = new float[x.Length]; var scale = new float[x.Length]; var dx = new float[x.Length];
            LocalResponseNormOp.Forward(n, c, s, size, alpha, beta, k, x, y, scale);
            LocalResponseNormOp.Backward(n, c, s, size, alpha, beta, k, x, y, scale, dys[i], dx);
            Parity.AssertClose($"y (size {size})", y, TestData.ToDouble(ParseLine(lines[2 * i])), 1e-5);
            Parity.AssertClose($"dx (size {size})", dx, TestData.ToDouble(ParseLine(lines[2 * i + 1])), 1e-5);
        }
    }

    [Fact]
    public void Forward_and_backward_allocate_nothing()
    {
        const int n = 2, c = 7, s = 37;
        var x = TestData.Uniform(30, n * c * s); float[] y = new float[x.Length], scale = new float[x.Length], dx = new float[x.Length];
        LocalResponseNormOp.Forward(n, c, s, 5, 1e-4f, 0.75f, 2f, x, y, scale);
        long before = GC.GetAllocatedBytesForCurrentThread();
        LocalResponseNormOp.Forward(n, c, s, 5, 1e-4f, 0.75f, 2f, x, y, scale);
        LocalResponseNormOp.Backward(n, c, s, 5, 1e-4f, 0.75f, 2f, x, y, scale, x, dx);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
