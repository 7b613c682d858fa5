using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.Softmax;

public class SoftmaxOpTests
{
    /// <summary>(N, K, log): one class, odd K below and above a vector (7, 37), 10 classes.</summary>
    public static TheoryData<int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (bool log in new[] { false, true })
            foreach (var (n, k) in new[] { (1, 1), (3, 7), (2, 37), (4, 10) }) data.Add(n, k, log);
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void Forward_matches_the_reference_even_for_large_logits(int n, int k, bool log)
    {
        foreach (float offset in new[] { 0f, 80f })   // e^80 overflows float: the max shift must keep it finite
        {
            var z = TestData.Uniform(1, n * k, -5f + offset, 5f + offset);
            var y = new float[z.Length];
            if (log) SoftmaxOp.LogForward(n, k, z, y); else SoftmaxOp.Forward(n, k, z, y);
            Parity.AssertClose($"y (offset {offset})", y, SoftmaxForward(n, k, TestData.ToDouble(z), log), log ? 1e-5 : 1e-6);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Backward_matches_finite_differences_and_accumulates(int n, int k, bool log)
    {
        var z = TestData.Uniform(2, n * k, -3f, 3f); var r = TestData.Uniform(3, z.Length);
        var y = new float[z.Length];
        if (log) SoftmaxOp.LogForward(n, k, z, y); else SoftmaxOp.Forward(n, k, z, y);
        var dz = TestData.Uniform(4, z.Length); var dz0 = TestData.ToDouble(dz);
        if (log) SoftmaxOp.LogBackward(n, k, y, r, dz); else SoftmaxOp.Backward(n, k, y, r, dz);
        var zd = TestData.ToDouble(z); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, zd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, SoftmaxForward(n, k, zd, log)), zd, idx);
        FiniteDifferences.AssertClose("dz", dz, dz0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    [TorchFact]
    public void Matches_pytorch_softmax_and_log_softmax()
    {
        const int n = 3, k = 37;
        var z = TestData.Uniform(5, n * k, -6f, 6f);
        string output = TorchPython.Run($$"""
            z = torch.tensor({{PyList(z)}}).reshape({{n}}, {{k}})
            print(" ".join(repr(float(v)) for v in torch.softmax(z, 1).flatten()))
            print(" ".join(repr(float(v)) for v in torch.log_softmax(z, 1).flatten()))
            """);
        var lines = output.Trim().Split('\n');
        var p = new float[z.Length]; var lp = new float[z.Length];
        SoftmaxOp.Forward(n, k, z, p);
        SoftmaxOp.LogForward(n, k, z, lp);
        Parity.AssertClose("softmax", p, TestData.ToDouble(ParseLine(lines[0])), 1e-6);
        Parity.AssertClose("log_softmax", lp, TestData.ToDouble(ParseLine(lines[1])), 1e-5);
    }

    [Fact]
    public void Softmax_log_softmax_and_the_weighted_loss_allocate_nothing()
    {
        const int n = 4, k = 10;
        var z = TestData.Uniform(32, n * k); float[] y = new float[z.Length], dz = new float[z.Length], w = TestData.Uniform(33, k, 0.5f, 2f);
        int[] labels = [1, -100, 9, 0];
        void Run()
        {
            SoftmaxOp.Forward(n, k, z, y); SoftmaxOp.Backward(n, k, y, z, dz);
            SoftmaxOp.LogForward(n, k, z, y); SoftmaxOp.LogBackward(n, k, y, z, dz);
            WeightedSoftmaxCrossEntropyOp.ForwardBackward(n, k, z, labels, w, -100, dz, 1f / (float)WeightedSoftmaxCrossEntropyOp.WeightSum(k, labels, w));
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
