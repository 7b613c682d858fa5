using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.GradientChecking;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

public class MaxPool2DOpTests
{
    public static TheoryData<int, int, int, int, int, int, int, int> Geometries() => new()
    {
        // C, H, W, KH, KW, SH, SW, P(H=W)
        { 2, 8, 8, 2, 2, 2, 2, 0 },     // LeNet S2
        { 3, 7, 7, 3, 3, 2, 2, 1 },     // ResNet-style 3/2/1
        { 2, 9, 11, 3, 3, 1, 1, 1 },    // overlapping, stride 1
        { 1, 9, 11, 2, 3, 2, 1, 0 },    // non-square window
        { 2, 5, 7, 5, 5, 3, 3, 2 },     // pad = k/2
        { 3, 13, 13, 3, 3, 2, 2, 0 },   // AlexNet-style overlapping
        // Tiling windows (window = stride, no padding): the dedicated paths.
        { 6, 28, 28, 2, 2, 2, 2, 0 },   // LeNet S2 at full size (2×2 vector path, 14 outputs per row)
        { 3, 10, 37, 2, 2, 2, 2, 0 },   // 18 outputs per row (two vector steps), odd width (last column unused)
        { 2, 11, 10, 2, 2, 2, 2, 0 },   // odd height (last row unused)
        { 2, 9, 12, 3, 3, 3, 3, 0 },    // 3×3/3: tiling, through the padded vector path
        { 1, 8, 9, 2, 3, 2, 3, 0 },     // non-square tiling window
    };

    private static Pool2DGeometry G(int c, int h, int w, int kh, int kw, int sh, int sw, int p) => new(c, h, w, kh, kw, sh, sw, p, p);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Forward_matches_the_reference_values_and_argmax(int c, int h, int w, int kh, int kw, int sh, int sw, int p)
        => Forward_matches(G(c, h, w, kh, kw, sh, sw, p));

    private static void Forward_matches(Pool2DGeometry g)
    {
        const int batch = 2;
        var x = TestData.Distinct(1, batch * g.InputLength);
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        var (ry, ram) = ReferenceOps.MaxPoolForward(g, batch, TestData.ToDouble(x));
        Parity.AssertClose("y", y, ry);
        Assert.Equal(ram, am);
    }

    [Theory]
    [MemberData(nameof(PoolWindows.All), MemberType = typeof(PoolWindows))]
    public void Ceil_mode_and_per_side_padding_match_the_reference_and_finite_differences(string window)
    {
        var g = PoolWindows.Parse(window);
        Forward_matches(g);
        Backward_matches(g);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Backward_matches_finite_differences_and_accumulates(int c, int h, int w, int kh, int kw, int sh, int sw, int p)
        => Backward_matches(G(c, h, w, kh, kw, sh, sw, p));

    private static void Backward_matches(Pool2DGeometry g)
    {
        const int batch = 2;
        var x = TestData.Distinct(2, batch * g.InputLength);   // distinct values, ≥ 0.01 apart: no ties within h
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        var r = TestData.Uniform(3, y.Length);
        var dx = TestData.Uniform(4, x.Length); var dx0 = TestData.ToDouble(dx);
        MaxPool2DOp.Backward(g, batch, r, am, dx);

        var xd = TestData.ToDouble(x); var rd = TestData.ToDouble(r);
        var idx = Enumerable.Range(0, xd.Length).ToArray();
        var num = FiniteDifferences.Gradient(() => FiniteDifferences.Dot(rd, ReferenceOps.MaxPoolForward(g, batch, xd).y), xd, idx);
        FiniteDifferences.AssertClose("dx", dx, dx0.Zip(num, (a, b) => a + b).ToArray(), idx);
    }

    /// <summary>
    /// Ties and NaN on the tiling-window paths (2×2/2 vector, 3×3/3 scalar): per window the first maximum in row-major
    /// order wins, and the first NaN wins over everything (PyTorch). The expected values come from a plain scan here,
    /// since the double reference has no NaN rule.
    /// </summary>
    [Fact]
    public void A_batch_1_pool_split_over_lent_threads_matches_one_thread()
    {
        var g = new Pool2DGeometry(64, 56, 56, 3, 3, 2, 2, 1, 1);   // 50,176 outputs: above the split threshold
        var x = TestData.Uniform(3, g.InputLength);
        (float[], int[]) Pool(DeepPsych.Dsl.Execution.WorkerPool? pool)
        {
            var y = new float[g.OutputLength]; var am = new int[y.Length];
            if (pool is null) MaxPool2DOp.Forward(g, 1, x, y, am);
            else pool.Run(1, _ => MaxPool2DOp.Forward(g, 1, x, y, am), threads: 2);
            return (y, am);
        }
        using var pool = new DeepPsych.Dsl.Execution.WorkerPool(2);
        var (y1, a1) = Pool(null);
        var (y2, a2) = Pool(pool);
        Assert.Equal(y1, y2);
        Assert.Equal(a1, a2);
        var (ry, ram) = ReferenceOps.MaxPoolForward(g, 1, TestData.ToDouble(x));
        Parity.AssertClose("y", y2, ry);
        Assert.Equal(ram, a2);
    }

    // Every other window goes through the −∞-padded vector path: padding, stride 1 and 2, ceil mode, rows of outputs shorter
    // and longer than a vector, all-−∞ windows (the argmax stays on the window's first element inside the input).
    [Theory]
    [InlineData(3, 112, 112, 3, 2, 1, false, 1)]   // ResNet's stem pool, shrunk below in channels only
    [InlineData(2, 28, 28, 3, 1, 1, true, 2)]      // GoogLeNet's inception branch pool
    [InlineData(2, 56, 56, 3, 2, 0, true, 1)]      // GoogLeNet's 3×3/2 ceil-mode pools
    [InlineData(4, 7, 7, 3, 1, 1, true, 2)]        // 7 outputs a row: less than one vector
    [InlineData(2, 14, 14, 2, 2, 0, true, 1)]      // 2×2/2 ceil mode (GoogLeNet's Maxpool4)
    [InlineData(3, 9, 12, 3, 3, 0, false, 2)]      // 3×3/3 tiling windows
    [InlineData(2, 13, 13, 5, 2, 2, false, 1)]
    public void Any_window_keeps_first_max_and_first_NaN(int c, int h, int w, int k, int s, int p, bool ceil, int batch)
    {
        var g = new Pool2DGeometry(c, h, w, k, k, s, s, p, p) { CeilMode = ceil };
        var rnd = new Random(11);
        var x = new float[batch * g.InputLength];
        for (int i = 0; i < x.Length; i++)
        {
            int r = rnd.Next(30);
            // few distinct values (many ties), some −∞ (whole −∞ windows among them), some NaN (a quiet NaN with a payload)
            x[i] = r == 0 ? BitConverter.Int32BitsToSingle(0x7FC00000 | i) : r < 6 ? float.NegativeInfinity : rnd.Next(3);
        }
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        SameValuesWithoutSwitches(g, batch, x, y);

        int o = 0;
        for (int n = 0; n < batch; n++)
            for (int ch = 0; ch < c; ch++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++, o++)
                    {
                        // the window clipped to the input (outside it is −∞, which never wins)
                        int h0 = Math.Max(oh * s - p, 0), h1 = Math.Min(oh * s - p + k, h), w0 = Math.Max(ow * s - p, 0), w1 = Math.Min(ow * s - p + k, w);
                        float best = float.NegativeInfinity; int at = (ch * h + h0) * w + w0;
                        for (int i = h0; i < h1 && !float.IsNaN(best); i++)
                            for (int j = w0; j < w1; j++)
                            {
                                int idx = (ch * h + i) * w + j;
                                float v = x[n * g.InputLength + idx];
                                if (v > best || float.IsNaN(v)) { best = v; at = idx; if (float.IsNaN(v)) break; }
                            }
                        Assert.True(at == am[o], $"output {o} (n {n}, c {ch}, oh {oh}, ow {ow}): argmax {am[o]}, expected {at}");
                        Assert.Equal(BitConverter.SingleToInt32Bits(best), BitConverter.SingleToInt32Bits(y[o]));
                    }
    }

    [Theory]
    [InlineData(3, 12, 38, 2, 3)]
    [InlineData(6, 28, 28, 2, 2)]
    [InlineData(2, 9, 9, 3, 2)]
    [InlineData(2, 4, 64, 2, 3)]     // 32 outputs a row: whole AVX2 and AVX-512 steps
    [InlineData(16, 10, 10, 2, 5)]   // LeNet-5's S4: 5 outputs a row, fewer than one step
    public void Tiling_windows_keep_first_max_and_first_NaN(int c, int h, int w, int k, int batch)
    {
        var g = Pool2DGeometry.Square(c, h, w, k);
        var rnd = new Random(7);
        var x = new float[batch * g.InputLength];
        for (int i = 0; i < x.Length; i++)
        {
            int r = rnd.Next(20);
            // few distinct values (many ties), some −∞, some NaN (a quiet NaN with a payload, from its bits)
            x[i] = r == 0 ? BitConverter.Int32BitsToSingle(0x7FC00000 | i) : r == 1 ? float.NegativeInfinity : rnd.Next(3);
        }
        var y = new float[batch * g.OutputLength]; var am = new int[y.Length];
        MaxPool2DOp.Forward(g, batch, x, y, am);
        SameValuesWithoutSwitches(g, batch, x, y);

        int o = 0;
        for (int n = 0; n < batch; n++)
            for (int ch = 0; ch < c; ch++)
                for (int oh = 0; oh < g.OutHeight; oh++)
                    for (int ow = 0; ow < g.OutWidth; ow++, o++)
                    {
                        float best = float.NegativeInfinity; int at = (ch * h + oh * k) * w + ow * k;
                        for (int i = 0; i < k && !float.IsNaN(best); i++)
                            for (int j = 0; j < k; j++)
                            {
                                int idx = (ch * h + oh * k + i) * w + ow * k + j;
                                float v = x[n * g.InputLength + idx];
                                if (v > best || float.IsNaN(v)) { best = v; at = idx; if (float.IsNaN(v)) break; }
                            }
                        Assert.Equal(at, am[o]);
                        Assert.Equal(BitConverter.SingleToInt32Bits(best), BitConverter.SingleToInt32Bits(y[o]));
                    }
    }

    /// <summary>Inference passes no switches: the values must be the same, bit for bit (first maximum, first NaN).</summary>
    private static void SameValuesWithoutSwitches(Pool2DGeometry g, int batch, float[] x, float[] y)
    {
        var values = new float[y.Length];
        MaxPool2DOp.Forward(g, batch, x, values, []);
        Assert.Equal(y.Select(BitConverter.SingleToInt32Bits), values.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Bad_geometry_and_lengths_throw()
    {
        var e = Assert.Throws<ArgumentException>(() => MaxPool2DOp.Forward(Pool2DGeometry.Square(1, 4, 4, 2, 2, 2), 1, new float[16], new float[9], new int[9]));
        Assert.Contains("half", e.Message);
        e = Assert.Throws<ArgumentException>(() => MaxPool2DOp.Forward(Pool2DGeometry.Square(1, 4, 4, 2), 1, new float[16], new float[4], new int[3]));
        Assert.Contains("argmax", e.Message);
    }
}
