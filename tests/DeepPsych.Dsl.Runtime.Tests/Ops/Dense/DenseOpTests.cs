using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Dense;

public class DenseOpTests
{
    private const float Slope = 0.05f;

    [Theory]
    [InlineData(32, 400, 120, true, Act.ReLU)]     // LeNet F5
    [InlineData(32, 120, 84, true, Act.Tanh)]      // LeNet F6
    [InlineData(32, 84, 10, true, Act.None)]       // LeNet output
    [InlineData(1, 400, 120, true, Act.Sigmoid)]   // batch 1: dot-product path
    [InlineData(3, 7, 5, false, Act.LeakyReLU)]    // tiny, k < 16
    [InlineData(9, 2, 2, true, Act.Softplus)]      // XOR-sized, packed path
    [InlineData(17, 1030, 50, true, Act.None)]     // k > one k block, row tails
    [InlineData(4, 33, 97, false, Act.Step)]
    public void Forward_matches_the_double_reference(int batch, int inF, int outF, bool bias, Act act)
    {
        var x = TestData.Uniform(1, batch * inF); var w = TestData.Uniform(2, outF * inF, -0.3f, 0.3f); var b = bias ? TestData.Uniform(3, outF) : [];
        var y = new float[batch * outF];
        DenseOp.Forward(batch, inF, outF, x, w, b, y, act, Slope);
        var z = ReferenceOps.DenseForward(batch, inF, outF, TestData.ToDouble(x), TestData.ToDouble(w), bias ? TestData.ToDouble(b) : null);
        Parity.AssertClose("y", y, ReferenceOps.Activate(act, z, Slope));
    }

    // Above the split threshold (4 Mi multiply-adds), few rows: the dot-product path splits the output columns over the
    // lent threads. 3 threads and 1,030 inputs (over one k block) leave uneven runs and a column tail.
    [Theory]
    [InlineData(1, 4096, 1030, 2)]   // an AlexNet-sized batch-1 layer, narrower
    [InlineData(3, 1030, 1601, 3)]
    public void A_batch_1_layer_split_over_lent_threads_is_bit_identical_to_one_thread(int batch, int inF, int outF, int threads)
    {
        var x = TestData.Uniform(1, batch * inF); var w = TestData.Uniform(2, outF * inF, -0.3f, 0.3f); var b = TestData.Uniform(3, outF);
        float[] Forward(WorkerPool? pool)
        {
            var y = new float[batch * outF];
            void Run() => DenseOp.Forward(batch, inF, outF, x, w, b, y, Act.LeakyReLU, Slope);
            if (pool is null) Run(); else pool.Run(1, _ => Run(), threads);
            return y;
        }
        using var pool = new WorkerPool(threads);
        var serial = Forward(null);
        Assert.Equal(serial, Forward(pool));
        var z = ReferenceOps.DenseForward(batch, inF, outF, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(b));
        Parity.AssertClose("y", serial, ReferenceOps.Activate(Act.LeakyReLU, z, Slope));
    }

    [Theory]
    [InlineData(32, 400, 120, true)]
    [InlineData(32, 84, 10, true)]
    [InlineData(1, 400, 120, true)]
    [InlineData(3, 7, 5, false)]
    [InlineData(17, 1030, 50, true)]
    public void Backward_matches_the_double_reference_and_accumulates(int batch, int inF, int outF, bool bias)
    {
        var x = TestData.Uniform(1, batch * inF); var w = TestData.Uniform(2, outF * inF, -0.3f, 0.3f); var dz = TestData.Uniform(4, batch * outF);
        var dx = TestData.Uniform(5, x.Length); var dw = TestData.Uniform(6, w.Length); var db = TestData.Uniform(7, outF);
        var (dx0, dw0, db0) = (TestData.ToDouble(dx), TestData.ToDouble(dw), TestData.ToDouble(db));
        DenseOp.Backward(batch, inF, outF, x, w, dz, dx, dw, bias ? db : []);
        var r = ReferenceOps.DenseBackward(batch, inF, outF, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dz));
        Parity.AssertClose("dx", dx, dx0.Zip(r.dx, (a, b) => a + b).ToArray());
        Parity.AssertClose("dw", dw, dw0.Zip(r.dw, (a, b) => a + b).ToArray());
        Parity.AssertClose("db", db, bias ? db0.Zip(r.db, (a, b) => a + b).ToArray() : db0);
    }

    [Theory]
    [InlineData(5, 13, 7, Act.Tanh)]
    [InlineData(9, 40, 12, Act.Sigmoid)]
    [InlineData(2, 20, 3, Act.Softplus)]
    [InlineData(8, 30, 9, Act.None)]
    [InlineData(8, 30, 9, Act.ReLU)]
    public void Backward_with_fused_activation_matches_finite_differences(int batch, int inF, int outF, Act act)
    {
        var x = TestData.Uniform(1, batch * inF); var w = TestData.Uniform(2, outF * inF, -0.3f, 0.3f); var b = TestData.Uniform(3, outF);
        var r = TestData.Uniform(8, batch * outF);
        var y = new float[batch * outF];
        DenseOp.Forward(batch, inF, outF, x, w, b, y, act, Slope);
        var dz = (float[])r.Clone();
        ActivationOp.ApplyDerivativeInPlace(act, Slope, y, dz);
        var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[outF];
        DenseOp.Backward(batch, inF, outF, x, w, dz, dx, dw, db);

        double[] xd = TestData.ToDouble(x), wd = TestData.ToDouble(w), bd = TestData.ToDouble(b), rd = TestData.ToDouble(r);
        double Loss() => FiniteDifferences.Dot(rd, ReferenceOps.Activate(act, ReferenceOps.DenseForward(batch, inF, outF, xd, wd, bd), Slope));
        double h = FiniteDifferences.StepFor(act);
        var xi = FiniteDifferences.Sample(9, xd.Length, 80); var wi = FiniteDifferences.Sample(10, wd.Length, 80); var bi = Enumerable.Range(0, outF).ToArray();
        FiniteDifferences.AssertClose("dx", dx, FiniteDifferences.Gradient(Loss, xd, xi, h), xi);
        FiniteDifferences.AssertClose("dw", dw, FiniteDifferences.Gradient(Loss, wd, wi, h), wi);
        FiniteDifferences.AssertClose("db", db, FiniteDifferences.Gradient(Loss, bd, bi, h), bi);
    }

    [Fact]
    public void Empty_dx_is_skipped()
    {
        var x = TestData.Uniform(1, 4 * 6); var w = TestData.Uniform(2, 3 * 6); var dz = TestData.Uniform(3, 4 * 3);
        var dw = new float[w.Length];
        DenseOp.Backward(4, 6, 3, x, w, dz, [], dw, []);
        Parity.AssertClose("dw", dw, ReferenceOps.DenseBackward(4, 6, 3, TestData.ToDouble(x), TestData.ToDouble(w), TestData.ToDouble(dz)).dw);
    }

    [Fact]
    public void Wrong_lengths_throw_argument_exceptions_naming_the_shapes()
    {
        var e = Assert.Throws<ArgumentException>(() => DenseOp.Forward(2, 3, 4, new float[5], new float[12], [], new float[8]));
        Assert.Contains("DenseOp.Forward", e.Message);
        Assert.Contains("2x3", e.Message);
        e = Assert.Throws<ArgumentException>(() => DenseOp.Backward(2, 3, 4, new float[6], new float[12], new float[8], [], new float[11], []));
        Assert.Contains("dw", e.Message);
    }

    [Theory]
    [InlineData(32, 400, 120)]
    [InlineData(1, 84, 10)]
    public void Forward_and_backward_allocate_nothing_after_warm_up(int batch, int inF, int outF)
    {
        var x = TestData.Uniform(1, batch * inF); var w = TestData.Uniform(2, outF * inF); var b = TestData.Uniform(3, outF);
        var y = new float[batch * outF]; var dz = TestData.Uniform(4, y.Length);
        var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[outF];
        void Run()
        {
            DenseOp.Forward(batch, inF, outF, x, w, b, y, Act.ReLU);
            DenseOp.Backward(batch, inF, outF, x, w, dz, dx, dw, db);
        }
        Run();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
