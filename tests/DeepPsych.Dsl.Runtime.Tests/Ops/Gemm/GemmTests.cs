using DeepPsych.Dsl.Execution;
using DeepPsych.Dsl.Tests.Reference;
using GemmOp = DeepPsych.Dsl.Ops.Gemm;

namespace DeepPsych.Dsl.Tests.Ops.Gemm;

public class GemmTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(8, 48, 16)]       // exactly one micro tile
    [InlineData(7, 50, 25)]       // row and column tails
    [InlineData(19, 97, 385)]     // two k blocks
    [InlineData(64, 200, 9)]
    [InlineData(3, 5, 1031)]      // dot-product path with k tail
    // Edge panels of n on fewer than 3 vectors (AVX-512 / AVX2 / 128-bit: whole panels + the rest): 64 = 48+16 / 2·24+16 / 5·12+4,
    // 80 = 48+32 / 3·24+8 / 6·12+8 (whole vectors, written in place); 63 and 70 end inside a vector (through the private tile).
    [InlineData(17, 64, 50)]
    [InlineData(17, 80, 50)]
    [InlineData(9, 63, 400)]
    [InlineData(9, 70, 33)]
    public void Multiply_in_every_layout_matches_the_reference(int m, int n, int k)
    {
        var a = TestData.Uniform(1, m * k); var b = TestData.Uniform(2, k * n);
        var expected = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(a), TestData.ToDouble(b));

        // Padded leading dimensions, to catch any stride mix-up.
        int lda = k + 3, ldb = n + 2, ldc = n + 5;
        var ap = Pad(a, m, k, lda); var bp = Pad(b, k, n, ldb);
        var c = new float[m * ldc];
        GemmOp.Multiply(m, n, k, ap, lda, false, bp, ldb, c, ldc, accumulate: false);
        Parity.AssertClose("NN", Unpad(c, m, n, ldc), expected);

        // op(A) = Aᵀ with A stored k × m.
        var at = Transpose(a, m, k);
        GemmOp.Multiply(m, n, k, at, m, true, b, n, c.AsSpan(0, m * n), n, accumulate: false);
        Parity.AssertClose("TN", c.AsSpan(0, m * n), expected);

        // C = A·Bᵀ with B stored n × k; accumulate onto ones.
        var bt = Transpose(b, k, n);
        var c2 = Enumerable.Repeat(1f, m * n).ToArray();
        GemmOp.MultiplyTransposedB(m, n, k, a, k, bt, k, c2, n, accumulate: true);
        Parity.AssertClose("NT", c2, expected.Select(v => v + 1).ToArray());
    }

    [Theory]
    [InlineData(51)]
    [InlineData(64)]   // edge panel of whole vectors (1 at 512 bits, 2 at 256)
    [InlineData(80)]   // 2 whole vectors at 512 bits
    public void Epilogue_adds_row_and_column_bias_then_applies_the_activation(int n)
    {
        int m = 9, k = 20;
        var a = TestData.Uniform(1, m * k); var b = TestData.Uniform(2, k * n);
        var rb = TestData.Uniform(3, m); var cb = TestData.Uniform(4, n);
        var c = new float[m * n];
        GemmOp.Multiply(m, n, k, a, k, false, b, n, c, n, false, rb, cb, Act.ReLU);
        var r = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(a), TestData.ToDouble(b));
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) r[i * n + j] = Math.Max(0, r[i * n + j] + rb[i] + cb[j]);
        Parity.AssertClose("C", c, r);
    }

    [Fact]
    public void Short_spans_throw()
    {
        var e = Assert.Throws<ArgumentException>(() => GemmOp.Multiply(2, 3, 4, new float[7], 4, false, new float[12], 3, new float[6], 3, false));
        Assert.Contains("Gemm.Multiply", e.Message);
        Assert.Contains("2x4", e.Message);
    }

    // Above the split threshold (4 Mi multiply-adds): many column panels and few rows split by columns; a 7×7 map's
    // 63 columns (one full panel and a short one) under many rows split by rows; 3 threads leave uneven runs.
    [Theory]
    [InlineData(64, 1000, 100, false, 2)]
    [InlineData(256, 63, 400, false, 2)]
    [InlineData(256, 63, 400, true, 3)]
    [InlineData(61, 700, 111, true, 3)]
    public void A_product_split_over_lent_threads_is_bit_identical_to_one_thread(int m, int n, int k, bool transposeA, int threads)
    {
        var a = TestData.Uniform(1, m * k); var b = TestData.Uniform(2, k * n);
        var rowBias = TestData.Uniform(3, m); var colBias = TestData.Uniform(4, n);
        var start = TestData.Uniform(5, m * n);
        float[] Product(WorkerPool? pool)
        {
            var c = (float[])start.Clone();
            void Multiply() => GemmOp.Multiply(m, n, k, a, transposeA ? m : k, transposeA, b, n, c, n, accumulate: true, rowBias, colBias, Act.LeakyReLU, 0.1f);
            if (pool is null) Multiply(); else pool.Run(1, _ => Multiply(), threads);
            return c;
        }
        using var pool = new WorkerPool(threads);
        var serial = Product(null);
        Assert.Equal(serial, Product(pool));

        // And the serial product is right: C + A·B + biases through leaky ReLU, against the double reference.
        var product = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(transposeA ? Transpose(a, k, m) : a), TestData.ToDouble(b));
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double v = start[i * n + j] + product[i * n + j] + rowBias[i] + colBias[j];
                expected[i * n + j] = v > 0 ? v : 0.1 * v;
            }
        Parity.AssertClose("split product", serial, expected);
    }

    // With few columns (one packed block of B) the AVX-512 kernel reads A along its rows instead of packing it; A stored
    // transposed is always packed. Same sums in the same order: bit for bit the same product. A leading dimension wider
    // than k, a short last micro-panel of rows, k over one block and an edge panel of columns.
    [Theory]
    [InlineData(8, 48, 16)]
    [InlineData(21, 49, 1000)]
    [InlineData(37, 100, 130)]
    public void Reading_A_in_place_gives_the_packed_product_bit_for_bit(int m, int n, int k)
    {
        int lda = k + 5;
        var a = TestData.Uniform(1, m * k); var b = TestData.Uniform(2, k * n);
        var rowBias = TestData.Uniform(3, m); var colBias = TestData.Uniform(4, n);
        var inPlace = TestData.Uniform(5, m * n); var packed = (float[])inPlace.Clone();
        GemmOp.Multiply(m, n, k, Pad(a, m, k, lda), lda, false, b, n, inPlace, n, accumulate: true, rowBias, colBias, Act.Tanh);
        GemmOp.Multiply(m, n, k, Transpose(a, m, k), m, true, b, n, packed, n, accumulate: true, rowBias, colBias, Act.Tanh);
        Assert.Equal(packed, inPlace);
        var start = TestData.Uniform(5, m * n);
        var product = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(a), TestData.ToDouble(b));
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                expected[i * n + j] = Math.Tanh(start[i * n + j] + product[i * n + j] + rowBias[i] + colBias[j]);
        Parity.AssertClose("in-place product", inPlace, expected);
    }

    // B read where it lies (a Winograd block's V_e, rows with a vector of slack past n) instead of packed: the kernel takes the
    // same values in the same order, so C is bit-identical, with the plain store (no epilogue) and with bias and activation,
    // overwriting and accumulating, on an edge panel (n not a multiple of 48) and over more than one k block (k > 384).
    [Theory]
    [InlineData(64, 112, 64, false)]   // a 3×3 64 → 64 Winograd block on 56×56 (4 tile rows of 28)
    [InlineData(64, 112, 64, true)]
    [InlineData(13, 70, 33, false)]
    [InlineData(20, 97, 500, true)]
    public unsafe void Reading_B_in_place_gives_the_packed_product_bit_for_bit(int m, int n, int k, bool accumulate)
    {
        int ldb = n + 16 + 3, lda = k;
        var a = TestData.Uniform(1, m * k); var b = TestData.Uniform(2, k * ldb); var bias = TestData.Uniform(3, m);
        foreach (bool epilogue in new[] { false, true })
        {
            var inPlace = TestData.Uniform(4, m * n); var packed = (float[])inPlace.Clone();
            Act act = epilogue ? Act.Tanh : Act.None;
            fixed (float* pa = a) fixed (float* pb = b) fixed (float* pr = bias) fixed (float* pi = inPlace) fixed (float* pp = packed)
            {
                float* rb = epilogue ? pr : null;
                var rows = new GemmOp.MatrixPanels(pb, ldb, readInPlace: true);
                GemmOp.MultiplyCore(m, n, k, pa, lda, false, ref rows, pi, n, accumulate, rb, null, act, 0f);
                var panels = new GemmOp.MatrixPanels(pb, ldb);
                GemmOp.MultiplyCore(m, n, k, pa, lda, false, ref panels, pp, n, accumulate, rb, null, act, 0f);
            }
            Assert.Equal(packed, inPlace);
            var start = TestData.Uniform(4, m * n);
            var bDense = new float[k * n];
            for (int p = 0; p < k; p++) Array.Copy(b, p * ldb, bDense, p * n, n);
            var product = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(a), TestData.ToDouble(bDense));
            var expected = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double z = (accumulate ? start[i * n + j] : 0) + product[i * n + j] + (epilogue ? bias[i] : 0);
                    expected[i * n + j] = epilogue ? Math.Tanh(z) : z;
                }
            Parity.AssertClose($"in-place B, epilogue {epilogue}", inPlace, expected);
        }
    }

    // C = A·Bᵀ with fewer rows of A than of B (a Dense layer's forward on a training shard) is computed as Cᵀ = B·Aᵀ and
    // transposed (AVX-512): the same sums in the same order, so the rows equal those of a product with more rows of A than
    // of B (the direct packed path), bit for bit; with padded strides, a bias, an activation, k over one block.
    [Theory]
    [InlineData(32, 120, 400)]   // LeNet-5's F5 on a shard of 32
    [InlineData(9, 70, 33)]
    [InlineData(20, 100, 1000)]
    public void Few_rows_against_B_transposed_give_the_many_rows_product_bit_for_bit(int m, int n, int k)
    {
        int many = n + 7, lda = k + 3, ldb = k + 2, ldc = n + 5;
        var a = TestData.Uniform(1, many * k); var b = TestData.Uniform(2, n * k); var bias = TestData.Uniform(3, n);
        var direct = new float[many * ldc];
        GemmOp.MultiplyTransposedB(many, n, k, Pad(a, many, k, lda), lda, Pad(b, n, k, ldb), ldb, direct, ldc, accumulate: false, bias, Act.ReLU);
        var few = TestData.Uniform(4, m * ldc);   // garbage between the rows must stay
        var gaps = (float[])few.Clone();
        GemmOp.MultiplyTransposedB(m, n, k, Pad(a, m, k, lda), lda, Pad(b, n, k, ldb), ldb, few, ldc, accumulate: false, bias, Act.ReLU);
        for (int i = 0; i < m; i++)
        {
            Assert.Equal(direct.AsSpan(i * ldc, n).ToArray(), few.AsSpan(i * ldc, n).ToArray());
            if (i < m - 1) Assert.Equal(gaps.AsSpan(i * ldc + n, ldc - n).ToArray(), few.AsSpan(i * ldc + n, ldc - n).ToArray());
        }
        var product = ReferenceOps.MatMul(m, n, k, TestData.ToDouble(a.AsSpan(0, m * k).ToArray()), TestData.ToDouble(Transpose(b, n, k)));
        Parity.AssertClose("few rows", Unpad(few, m, n, ldc), product.Select((v, i) => Math.Max(0, v + bias[i % n])).ToArray());
    }

    private static float[] Pad(float[] a, int rows, int cols, int ld)
    {
        var p = TestData.Uniform(99, (rows - 1) * ld + cols, 50, 60);   // garbage in the gaps
        for (int i = 0; i < rows; i++) Array.Copy(a, i * cols, p, i * ld, cols);
        return p;
    }

    private static float[] Unpad(float[] c, int rows, int cols, int ld)
    {
        var u = new float[rows * cols];
        for (int i = 0; i < rows; i++) Array.Copy(c, i * ld, u, i * cols, cols);
        return u;
    }

    private static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        return t;
    }
}
