using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Elementwise;

public class ElementwiseOpTests
{
    [Theory, InlineData(1), InlineData(7), InlineData(16), InlineData(37)]
    public void Add_is_exact_and_its_backward_accumulates_into_both_inputs(int n)
    {
        var a = TestData.Uniform(1, n); var b = TestData.Uniform(2, n); var y = new float[n];
        ElementwiseOp.Add(a, b, y);
        for (int i = 0; i < n; i++) Assert.Equal(a[i] + b[i], y[i]);
        ElementwiseOp.Add(a, b, a);   // in place
        Assert.Equal(y, a);

        var dy = TestData.Uniform(3, n); var da = TestData.Uniform(4, n); var db = TestData.Uniform(5, n);
        float[] da0 = (float[])da.Clone(), db0 = (float[])db.Clone();
        ElementwiseOp.Accumulate(dy, da); ElementwiseOp.Accumulate(dy, db);   // the residual's fan-out: both inputs get dy
        for (int i = 0; i < n; i++) { Assert.Equal(da0[i] + dy[i], da[i]); Assert.Equal(db0[i] + dy[i], db[i]); }
    }

    [Fact]
    public void Add_of_different_shapes_names_them()
    {
        var e = Assert.Throws<ArgumentException>(() => ElementwiseOp.Add(new float[6], new float[8], new float[6]));
        Assert.Contains("a has 6, b 8", e.Message);
    }
}
