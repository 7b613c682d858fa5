using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;
using static DeepPsych.Dsl.Tests.Reference.ReferenceGraphOps;

namespace DeepPsych.Dsl.Tests.Ops.BatchNorm;

public class BatchNormOpTests
{
    private const float Eps = 1e-5f;

    /// <summary>(N, C, S, affine): odd and tiny first, BatchNorm1D (S = 1), one sample with a plane.</summary>
    public static TheoryData<int, int, int, bool> Shapes => new()
    {
        { 2, 1, 1, true }, { 3, 2, 5, true }, { 1, 3, 7, true }, { 5, 4, 1, false }, { 2, 3, 35, true }, { 3, 2, 9, false },
    };

    [Theory, MemberData(nameof(Shapes))]
    public void Training_forward_matches_the_reference_and_moves_the_running_statistics(int n, int c, int s, bool affine)
    {
        var x = TestData.Uniform(1, n * c * s, -2f, 3f);
        float[] gamma = affine ? TestData.Uniform(2, c, 0.5f, 1.5f) : [], beta = affine ? TestData.Uniform(3, c) : [];
        float[] rm = TestData.Uniform(4, c), rv = TestData.Uniform(5, c, 0.5f, 2f);
        float[] rm0 = (float[])rm.Clone(), rv0 = (float[])rv.Clone();
        var y = new float[x.Length]; var mean = new float[c]; var inv = new float[c];
        BatchNormOp.ForwardTraining(n, c, s, x, gamma, beta, Eps, 0.1f, rm, rv, y, mean, inv);
        AssertStatistics(n, c, s, affine, x, gamma, beta, y, mean, inv, rm0, rv0, rm, rv);
    }

    /// <summary>y, μ, invStd and the moved running statistics (momentum 0.1) against the double reference.</summary>
    private static void AssertStatistics(int n, int c, int s, bool affine, float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] inv,
        float[] rm0, float[] rv0, float[] rm, float[] rv)
    {
        var r = BatchNormTraining(n, c, s, TestData.ToDouble(x), affine ? TestData.ToDouble(gamma) : null, affine ? TestData.ToDouble(beta) : null, Eps);
        Parity.AssertClose("y", y, r.Y);
        Parity.AssertClose("saveMean", mean, r.Mean);
        Parity.AssertClose("saveInvStd", inv, r.Var.Select(v => 1 / Math.Sqrt(v + Eps)).ToArray());
        double m = n * s;
        Parity.AssertClose("runningMean", rm, rm0.Select((v, i) => 0.9 * v + 0.1 * r.Mean[i]).ToArray());
        Parity.AssertClose("runningVar (unbiased)", rv, rv0.Select((v, i) => 0.9 * v + 0.1 * r.Var[i] * m / (m - 1)).ToArray());
    }

    [Fact]
    public void Channel_parallel_forward_and_backward_equal_the_single_thread_result_exactly()
    {
        const int n = 4, c = 6, s = 40 * 40;   // 38,400 elements: above the threshold, so the pool splits the channels
        var x = TestData.Uniform(6, n * c * s); var gamma = TestData.Uniform(7, c); var beta = TestData.Uniform(8, c); var dy = TestData.Uniform(9, x.Length);
        var (y1, m1, i1, dx1, dg1, db1) = TrainStep(n, c, s, x, gamma, beta, dy, null);
        using var pool = new WorkerPool(3);
        var (y2, m2, i2, dx2, dg2, db2) = TrainStep(n, c, s, x, gamma, beta, dy, pool);
        Assert.Equal(y1, y2); Assert.Equal(m1, m2); Assert.Equal(i1, i2); Assert.Equal(dx1, dx2); Assert.Equal(dg1, dg2); Assert.Equal(db1, db2);
    }

    private static (float[], float[], float[], float[], float[], float[]) TrainStep(int n, int c, int s, float[] x, float[] gamma, float[] beta, float[] dy, WorkerPool? pool)
    {
        var y = new float[x.Length]; var mean = new float[c]; var inv = new float[c]; var dx = new float[x.Length]; var dg = new float[c]; var db = new float[c];
        BatchNormOp.ForwardTraining(n, c, s, x, gamma, beta, Eps, 0.1f, [], [], y, mean, inv, pool);
        BatchNormOp.BackwardTraining(n, c, s, x, gamma, mean, inv, dy, dx, dg, db, pool);
        return (y, mean, inv, dx, dg, db);
    }

    [Theory, MemberData(nameof(Shapes))]
    public void Training_backward_matches_finite_differences_and_accumulates(int n, int c, int s, bool affine)
    {
        var x = TestData.Uniform(11, n * c * s, -2f, 3f);
        float[] gamma = affine ? TestData.Uniform(12, c, 0.5f, 1.5f) : [], beta = affine ? TestData.Uniform(13, c) : [];
        var rr = TestData.Uniform(14, x.Length);
        var y = new float[x.Length]; var mean = new float[c]; var inv = new float[c];
        BatchNormOp.ForwardTraining(n, c, s, x, gamma, beta, Eps, 0.1f, [], [], y, mean, inv);
        float[] dx = TestData.Uniform(15, x.Length), dg = affine ? TestData.Uniform(16, c) : [], db = affine ? TestData.Uniform(17, c) : [];
        double[] dx0 = TestData.ToDouble(dx), dg0 = TestData.ToDouble(dg), db0 = TestData.ToDouble(db);
        BatchNormOp.BackwardTraining(n, c, s, x, gamma, mean, inv, rr, dx, dg, db);
        AssertGradients(n, c, s, affine, x, gamma, beta, rr, dx, dg, db, dx0, dg0, db0);
    }

    /// <summary>dx, dγ, dβ (accumulated onto dx0, dg0, db0) against central differences of Σ r·y through the double reference.</summary>
    private static void AssertGradients(int n, int c, int s, bool affine, float[] x, float[] gamma, float[] beta, float[] rr,
        float[] dx, float[] dg, float[] db, double[] dx0, double[] dg0, double[] db0)
    {
        double[] xd = TestData.ToDouble(x), gd = TestData.ToDouble(gamma), bd = TestData.ToDouble(beta), r = TestData.ToDouble(rr);
        double Loss() => FiniteDifferences.Dot(r, BatchNormTraining(n, c, s, xd, affine ? gd : null, affine ? bd : null, Eps).Y);
        var ix = FiniteDifferences.Sample(1, xd.Length, 60);
        FiniteDifferences.AssertClose("dx", dx, Plus(dx0, FiniteDifferences.Gradient(Loss, xd, ix)), ix);
        if (!affine) return;
        var ic = Enumerable.Range(0, c).ToArray();
        FiniteDifferences.AssertClose("dgamma", dg, Plus(dg0, FiniteDifferences.Gradient(Loss, gd, ic)), ic);
        FiniteDifferences.AssertClose("dbeta", db, Plus(db0, FiniteDifferences.Gradient(Loss, bd, ic)), ic);
    }

    // ---- the sharded pieces (the generated CPU pass: partials per shard, combined on the calling thread) ----

    /// <summary>(N, C, S, affine, shards): the shapes above split over 1–3 shards of unequal size.</summary>
    public static TheoryData<int, int, int, bool, int> ShardedShapes => new()
    {
        { 2, 1, 1, true, 2 }, { 3, 2, 5, true, 3 }, { 1, 3, 7, true, 1 }, { 5, 4, 1, false, 3 }, { 2, 3, 35, true, 2 }, { 3, 2, 9, false, 2 }, { 7, 2, 3, true, 3 },
    };

    [Theory, MemberData(nameof(ShardedShapes))]
    public void Sharded_pieces_give_the_whole_batch_statistics_running_statistics_and_gradients(int n, int c, int s, bool affine, int shards)
    {
        var x = TestData.Uniform(11, n * c * s, -2f, 3f);
        float[] gamma = affine ? TestData.Uniform(12, c, 0.5f, 1.5f) : [], beta = affine ? TestData.Uniform(13, c) : [];
        var rr = TestData.Uniform(14, x.Length);
        float[] rm = TestData.Uniform(4, c), rv = TestData.Uniform(5, c, 0.5f, 2f);
        float[] rm0 = (float[])rm.Clone(), rv0 = (float[])rv.Clone();
        float[] dx = TestData.Uniform(15, x.Length), dg = affine ? TestData.Uniform(16, c) : [], db = affine ? TestData.Uniform(17, c) : [];
        double[] dx0 = TestData.ToDouble(dx), dg0 = TestData.ToDouble(dg), db0 = TestData.ToDouble(db);
        var (y, mean, inv) = ShardedStep(n, c, s, shards, x, gamma, beta, rm, rv, rr, dx, dg, db);
        AssertStatistics(n, c, s, affine, x, gamma, beta, y, mean, inv, rm0, rv0, rm, rv);
        AssertGradients(n, c, s, affine, x, gamma, beta, rr, dx, dg, db, dx0, dg0, db0);
    }

    /// <summary>A training step as the generated CPU pass runs it over <paramref name="shards"/> near-equal shards.</summary>
    private static (float[] Y, float[] Mean, float[] InvStd) ShardedStep(int n, int c, int s, int shards, float[] x, float[] gamma, float[] beta,
        float[] rm, float[] rv, float[] dy, float[] dx, float[] dg, float[] db)
    {
        var y = new float[x.Length]; var mean = new float[c]; var inv = new float[c];
        var partials = new double[shards][];
        var total = new double[3 * c];
        for (int k = 0; k < shards; k++)
        {
            var (start, count) = (Shards.Start(n, shards, k) * c * s, Shards.Length(n, shards, k));
            partials[k] = new double[3 * c];
            BatchNormOp.PartialStatistics(count, c, s, x.AsSpan(start, count * c * s), partials[k]);
        }
        foreach (var p in partials) BatchNormOp.CombineStatistics(p, total);
        BatchNormOp.BatchStatistics(c, total, Eps, 0.1f, rm, rv, mean, inv);
        var sums = new double[2 * c];
        for (int k = 0; k < shards; k++)
        {
            var (start, count) = (Shards.Start(n, shards, k) * c * s, Shards.Length(n, shards, k));
            BatchNormOp.Normalize(count, c, s, x.AsSpan(start, count * c * s), gamma, beta, mean, inv, y.AsSpan(start, count * c * s));
            var backward = new double[2 * c];
            BatchNormOp.BackwardPartials(count, c, s, x.AsSpan(start, count * c * s), mean, dy.AsSpan(start, count * c * s), backward);
            BatchNormOp.AddPartials(backward, sums);
        }
        var coefficients = new float[3 * c];
        BatchNormOp.BackwardCoefficients(c, (double)n * s, sums, gamma, mean, inv, dg, db, coefficients);
        for (int k = 0; k < shards; k++)
        {
            var (start, count) = (Shards.Start(n, shards, k) * c * s, Shards.Length(n, shards, k));
            BatchNormOp.BackwardData(count, c, s, x.AsSpan(start, count * c * s), dy.AsSpan(start, count * c * s), coefficients, dx.AsSpan(start, count * c * s));
        }
        return (y, mean, inv);
    }

    /// <summary>Values far from zero (mean 10⁴, spread 1): Chan's combination of centred shard sums keeps the variance to
    /// float rounding, where E[x²] − E[x]² would lose every digit of it in float and about half of them in double.</summary>
    [Fact]
    public void Sharded_statistics_of_values_far_from_zero_keep_the_variance()
    {
        const int n = 9, c = 2, s = 13;
        var x = TestData.Uniform(81, n * c * s, -1f, 1f).Select(v => 1e4f + v).ToArray();
        var dx = new float[x.Length];
        var (_, mean, inv) = ShardedStep(n, c, s, 4, x, [], [], [], [], new float[x.Length], dx, [], []);
        var r = BatchNormTraining(n, c, s, TestData.ToDouble(x), null, null, Eps);
        for (int ch = 0; ch < c; ch++)
        {
            Assert.Equal(r.Mean[ch], mean[ch], 1e-2);
            double expected = 1 / Math.Sqrt(r.Var[ch] + Eps);
            Assert.True(Math.Abs(inv[ch] - expected) <= 1e-5 * expected, $"invStd[{ch}]: {inv[ch]:R}, reference {expected:R}");
        }
    }

    [Fact]
    public void Combining_statistics_refuses_a_batch_of_one_value_per_channel()
    {
        var total = new double[3];
        BatchNormOp.CombineStatistics(new double[] { 1, 0.5, 0 }, total);
        var e = Assert.Throws<ArgumentException>(() => BatchNormOp.BatchStatistics(1, total, Eps, 0.1f, [], [], new float[1], new float[1]));
        Assert.Contains("more than one value per channel", e.Message);
    }

    [Fact]
    public void Inference_uses_the_running_statistics()
    {
        const int n = 3, c = 4, s = 6;
        var x = TestData.Uniform(21, n * c * s); var gamma = TestData.Uniform(22, c); var beta = TestData.Uniform(23, c);
        var rm = TestData.Uniform(24, c); var rv = TestData.Uniform(25, c, 0.2f, 3f);
        var y = new float[x.Length];
        BatchNormOp.ForwardInference(n, c, s, x, gamma, beta, rm, rv, Eps, y);
        Parity.AssertClose("y", y, BatchNormInference(n, c, s, TestData.ToDouble(x), TestData.ToDouble(gamma), TestData.ToDouble(beta), TestData.ToDouble(rm), TestData.ToDouble(rv), Eps));
    }

    [Fact]
    public void Folding_into_the_convolution_gives_the_same_eval_output()
    {
        foreach (bool convBias in new[] { true, false })
        {
            var g = Conv2DGeometry.Square(3, 7, 6, 5, 3, padding: 1);
            const int n = 2;
            int perOut = g.WeightLength / g.OutChannels, s = g.OutHeight * g.OutWidth;
            var x = TestData.Uniform(31, n * g.InputLength); var w = TestData.Uniform(32, g.WeightLength); float[] b = convBias ? TestData.Uniform(33, g.OutChannels) : [];
            var gamma = TestData.Uniform(34, g.OutChannels); var beta = TestData.Uniform(35, g.OutChannels);
            var rm = TestData.Uniform(36, g.OutChannels); var rv = TestData.Uniform(37, g.OutChannels, 0.2f, 3f);

            var z = new float[n * g.OutputLength]; var expected = new float[z.Length];
            Conv2DOp.Forward(g, n, x, w, b, z, Act.None, 0f);
            BatchNormOp.ForwardInference(n, g.OutChannels, s, z, gamma, beta, rm, rv, Eps, expected);

            var fw = new float[w.Length]; var fb = new float[g.OutChannels]; var folded = new float[z.Length];
            BatchNormOp.FoldIntoPrecedingLayer(g.OutChannels, perOut, w, b, gamma, beta, rm, rv, Eps, fw, fb);
            Conv2DOp.Forward(g, n, x, fw, fb, folded, Act.None, 0f);
            // Exact in real arithmetic; in float32 the two orders of rounding differ by a few ulp of sums of 27 products.
            Parity.AssertClose($"folded conv (conv bias {convBias})", folded, TestData.ToDouble(expected), 1e-5);
        }
    }

    [Fact]
    public void Training_on_one_value_per_channel_is_refused_with_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => BatchNormOp.ForwardTraining(1, 2, 1, new float[2], [], [], Eps, 0.1f, [], [], new float[2], new float[2], new float[2]));
        Assert.Contains("batch 1 x spatial 1", e.Message);
    }

    [TorchFact]
    public void Running_statistics_after_five_training_steps_and_the_gradients_match_pytorch()
    {
        const int n = 3, c = 4, h = 2, w = 3, s = h * w;
        var gamma = TestData.Uniform(41, c, 0.5f, 1.5f); var beta = TestData.Uniform(42, c);
        var xs = Enumerable.Range(0, 5).Select(t => TestData.Uniform(50 + t, n * c * s, -1f + t, 2f + t)).ToArray();
        var dy = TestData.Uniform(60, n * c * s);
        string output = TorchPython.Run($$"""
            bn = torch.nn.BatchNorm2d({{c}})
            with torch.no_grad():
                bn.weight.copy_(torch.tensor({{PyList(gamma)}})); bn.bias.copy_(torch.tensor({{PyList(beta)}}))
            xs = {{"[" + string.Join(", ", xs.Select(a => PyList(a))) + "]"}}
            for t in range(5):
                x = torch.tensor(xs[t]).reshape({{n}}, {{c}}, {{h}}, {{w}}).requires_grad_(True)
                y = bn(x)
            y.backward(torch.tensor({{PyList(dy)}}).reshape({{n}}, {{c}}, {{h}}, {{w}}))
            def show(t): print(" ".join(repr(float(v)) for v in t.detach().flatten()))
            show(bn.running_mean); show(bn.running_var); show(y); show(x.grad); show(bn.weight.grad); show(bn.bias.grad)
            print(int(bn.num_batches_tracked))
            bn.eval(); show(bn(x))
            """);
        var lines = output.Trim().Split('\n');

        float[] rm = new float[c], rv = Enumerable.Repeat(1f, c).ToArray(), y = new float[n * c * s], mean = new float[c], inv = new float[c];
        for (int t = 0; t < 5; t++) BatchNormOp.ForwardTraining(n, c, s, xs[t], gamma, beta, Eps, 0.1f, rm, rv, y, mean, inv);
        var dx = new float[y.Length]; var dg = new float[c]; var db = new float[c];
        BatchNormOp.BackwardTraining(n, c, s, xs[4], gamma, mean, inv, dy, dx, dg, db);
        var eval = new float[y.Length];
        BatchNormOp.ForwardInference(n, c, s, xs[4], gamma, beta, rm, rv, Eps, eval);

        Close("running_mean", ParseLine(lines[0]), rm);
        Close("running_var", ParseLine(lines[1]), rv);
        Close("y (step 5)", ParseLine(lines[2]), y);
        Close("x.grad", ParseLine(lines[3]), dx);
        Close("weight.grad", ParseLine(lines[4]), dg);
        Close("bias.grad", ParseLine(lines[5]), db);
        Assert.Equal("5", lines[6].Trim());   // the caller's counter: one per training forward
        Close("eval output", ParseLine(lines[7]), eval);
    }

    /// <summary>float32 on both sides with different summation orders: a few ulp of values up to ~10.</summary>
    private static void Close(string what, float[] torch, float[] ours)
    {
        Assert.Equal(torch.Length, ours.Length);
        for (int i = 0; i < torch.Length; i++)
            Assert.True(Math.Abs(torch[i] - ours[i]) <= 1e-5 * Math.Max(1, Math.Abs(torch[i])), $"{what}[{i}]: PyTorch {torch[i]:R}, here {ours[i]:R}");
    }

    private static double[] Plus(double[] a, double[] b) => a.Zip(b, (u, v) => u + v).ToArray();

    [Fact]
    public void A_training_step_allocates_nothing_after_warm_up_even_split_across_threads()
    {
        const int n = 4, c = 6, s = 40 * 40;
        var x = TestData.Uniform(70, n * c * s); var gamma = TestData.Uniform(71, c); var beta = TestData.Uniform(72, c); var dy = TestData.Uniform(73, x.Length);
        float[] y = new float[x.Length], mean = new float[c], inv = new float[c], rm = new float[c], rv = new float[c], dx = new float[x.Length], dg = new float[c], db = new float[c];
        using var pool = new WorkerPool(3);
        void Step()
        {
            BatchNormOp.ForwardTraining(n, c, s, x, gamma, beta, Eps, 0.1f, rm, rv, y, mean, inv, pool);
            BatchNormOp.BackwardTraining(n, c, s, x, gamma, mean, inv, dy, dx, dg, db, pool);
            BatchNormOp.ForwardInference(n, c, s, x, gamma, beta, rm, rv, Eps, y);
        }
        Step();
        long caller = GC.GetAllocatedBytesForCurrentThread(), workers = pool.WorkerAllocatedBytes;
        Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - caller + pool.WorkerAllocatedBytes - workers);
    }
}
