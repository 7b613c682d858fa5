namespace DeepPsych.Dsl.Ops;

/// <summary>
/// Fully connected layer, forward and backward (CPU, single-threaded, vectorised). Weights are [out, in] as PyTorch's nn.Linear.
/// </summary>
public static unsafe class DenseOp
{
    /// <summary>
    /// y = act(x·Wᵀ + b): y[n, o] = act(b[o] + Σ_i x[n, i] · w[o, i]). Bias and activation are fused into the GEMM epilogue.
    /// </summary>
    /// <param name="batch">Rows N.</param>
    /// <param name="inFeatures">I.</param>
    /// <param name="outFeatures">O.</param>
    /// <param name="x">Input, N × I.</param>
    /// <param name="w">Weights, O × I.</param>
    /// <param name="b">Bias, O floats, or empty for no bias.</param>
    /// <param name="y">Output, N × O (overwritten).</param>
    /// <param name="act">Activation fused into the output pass.</param>
    /// <param name="leakySlope">α for <see cref="Act.LeakyReLU"/>.</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Forward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> y, Act act = Act.None, float leakySlope = 0.01f)
    {
        const string op = "DenseOp.Forward";
        CheckCommon(op, batch, inFeatures, outFeatures, x.Length, w.Length);
        if (!b.IsEmpty && b.Length != outFeatures) throw new ArgumentException($"{op}: bias has {b.Length} elements but outFeatures is {outFeatures} (pass an empty span for no bias).");
        if (y.Length != (long)batch * outFeatures) throw new ArgumentException($"{op}: y has {y.Length} elements but {batch}x{outFeatures} = {(long)batch * outFeatures} are needed.");
        if (batch == 0) return;
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pb = b) fixed (float* py = y)
            Gemm.MultiplyTransposedBCore(batch, outFeatures, inFeatures, px, inFeatures, pw, inFeatures, py, outFeatures, false, pb, act, leakySlope);
    }

    /// <summary>
    /// Backward given dz = dL/d(pre-activation output). Accumulates (+=):
    /// dx[n, i] += Σ_o dz[n, o] · w[o, i]  (dx += dz·W);  dw[o, i] += Σ_n dz[n, o] · x[n, i]  (dW += dzᵀ·x);  db[o] += Σ_n dz[n, o].
    /// </summary>
    /// <param name="batch">Rows N.</param>
    /// <param name="inFeatures">I.</param>
    /// <param name="outFeatures">O.</param>
    /// <param name="x">Forward input, N × I.</param>
    /// <param name="w">Weights, O × I.</param>
    /// <param name="dz">Gradient w.r.t. the pre-activation output, N × O.</param>
    /// <param name="dx">Input gradient (accumulated), or empty to skip it.</param>
    /// <param name="dw">Weight gradient (accumulated), O × I.</param>
    /// <param name="db">Bias gradient (accumulated), or empty when there is no bias.</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    public static void Backward(int batch, int inFeatures, int outFeatures, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> dz,
        Span<float> dx, Span<float> dw, Span<float> db)
    {
        const string op = "DenseOp.Backward";
        CheckCommon(op, batch, inFeatures, outFeatures, x.Length, w.Length);
        if (dz.Length != (long)batch * outFeatures) throw new ArgumentException($"{op}: dz has {dz.Length} elements but {batch}x{outFeatures} = {(long)batch * outFeatures} are needed.");
        if (!dx.IsEmpty && dx.Length != x.Length) throw new ArgumentException($"{op}: dx has {dx.Length} elements but x has {x.Length} (pass an empty span to skip the input gradient).");
        if (dw.Length != w.Length) throw new ArgumentException($"{op}: dw has {dw.Length} elements but w has {w.Length}.");
        if (!db.IsEmpty && db.Length != outFeatures) throw new ArgumentException($"{op}: db has {db.Length} elements but outFeatures is {outFeatures}.");
        if (batch == 0) return;
        fixed (float* px = x) fixed (float* pw = w) fixed (float* pdz = dz) fixed (float* pdx = dx) fixed (float* pdw = dw) fixed (float* pdb = db)
        {
            if (pdx != null)
            {
                var wPanels = new Gemm.MatrixPanels(pw, inFeatures);
                Gemm.MultiplyCore(batch, inFeatures, outFeatures, pdz, outFeatures, false, ref wPanels, pdx, inFeatures, true, null, null, Act.None, 0f);
            }
            var xPanels = new Gemm.MatrixPanels(px, inFeatures);
            Gemm.MultiplyCore(outFeatures, inFeatures, batch, pdz, outFeatures, true, ref xPanels, pdw, inFeatures, true, null, null, Act.None, 0f);
            if (pdb != null)
                for (int n = 0; n < batch; n++) Gemm.AddTo(pdz + (nint)n * outFeatures, pdb, outFeatures);
        }
    }

    private static void CheckCommon(string op, int batch, int inFeatures, int outFeatures, int xLength, int wLength)
    {
        if (batch < 0 || inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} in={inFeatures} out={outFeatures}.");
        if (xLength != (long)batch * inFeatures) throw new ArgumentException($"{op}: x has {xLength} elements but {batch}x{inFeatures} = {(long)batch * inFeatures} are needed.");
        if (wLength != (long)outFeatures * inFeatures) throw new ArgumentException($"{op}: w has {wLength} elements but {outFeatures}x{inFeatures} = {(long)outFeatures * inFeatures} are needed.");
    }
}
