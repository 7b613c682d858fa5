using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Tests.Reference;

/// <summary>
/// The oracle: every op written as the plainest possible loops, in double, straight from its definition, sharing no
/// code with the fast ops (only the geometry records, whose sizes it re-derives and cross-checks).
/// </summary>
public static class ReferenceOps
{
    // ---------------- activations (derivatives from z, not from y, to be independent) ----------------

    public static double Activate(Act act, double z, double slope) => act switch
    {
        Act.None => z,
        Act.Step => z > 0 ? 1 : 0,
        Act.Sigmoid => 1 / (1 + Math.Exp(-z)),
        Act.Tanh => Math.Tanh(z),
        Act.ReLU => Math.Max(0, z),
        Act.LeakyReLU => z > 0 ? z : slope * z,
        Act.Softplus => z > 30 ? z + Math.Log(1 + Math.Exp(-z)) : Math.Log(1 + Math.Exp(z)),
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    public static double ActivationDerivative(Act act, double z, double slope) => act switch
    {
        Act.None => 1,
        Act.Step => 0,
        Act.Sigmoid => Math.Exp(-z) / ((1 + Math.Exp(-z)) * (1 + Math.Exp(-z))),
        Act.Tanh => 1 / (Math.Cosh(z) * Math.Cosh(z)),
        Act.ReLU => z > 0 ? 1 : 0,
        Act.LeakyReLU => z > 0 ? 1 : slope,
        Act.Softplus => 1 / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(act)),
    };

    public static double[] Activate(Act act, double[] z, double slope) => z.Select(v => Activate(act, v, slope)).ToArray();

    // ---------------- convolution ----------------

    public static (int OH, int OW) ConvOutput(Conv2DGeometry g)
    {
        // top/left pads place the windows (the loops below); bottom/right pads only add room at the end
        int oh = (g.InHeight + g.PadH + g.PadBottom - g.DilationH * (g.KernelH - 1) - 1) / g.StrideH + 1;
        int ow = (g.InWidth + g.PadW + g.PadRight - g.DilationW * (g.KernelW - 1) - 1) / g.StrideW + 1;
        return (oh, ow);
    }

    /// <summary>z[n,o,oh,ow] = b[o] + Σ_{ci,kh,kw} w[o,ci,kh,kw] x[n, grp·Cg+ci, oh·s−p+kh·d, ow·s−p+kw·d] (pre-activation).</summary>
    public static double[] Conv2DForward(Conv2DGeometry g, int batch, double[] x, double[] w, double[]? b)
    {
        var (OH, OW) = ConvOutput(g);
        int C = g.InChannels, H = g.InHeight, W = g.InWidth, O = g.OutChannels, KH = g.KernelH, KW = g.KernelW;
        int Cg = C / g.Groups, Og = O / g.Groups;
        var z = new double[batch * O * OH * OW];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < O; o++)
            {
                int grp = o / Og;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double s = b is null ? 0 : b[o];
                        for (int ci = 0; ci < Cg; ci++)
                            for (int kh = 0; kh < KH; kh++)
                                for (int kw = 0; kw < KW; kw++)
                                {
                                    int ih = oh * g.StrideH - g.PadH + kh * g.DilationH;
                                    int iw = ow * g.StrideW - g.PadW + kw * g.DilationW;
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    int c = grp * Cg + ci;
                                    s += w[((o * Cg + ci) * KH + kh) * KW + kw] * x[((n * C + c) * H + ih) * W + iw];
                                }
                        z[((n * O + o) * OH + oh) * OW + ow] = s;
                    }
            }
        return z;
    }

    /// <summary>The adjoint of <see cref="Conv2DForward"/>: returns (dx, dw, db) for a given dz.</summary>
    public static (double[] dx, double[] dw, double[] db) Conv2DBackward(Conv2DGeometry g, int batch, double[] x, double[] w, double[] dz)
    {
        var (OH, OW) = ConvOutput(g);
        int C = g.InChannels, H = g.InHeight, W = g.InWidth, O = g.OutChannels, KH = g.KernelH, KW = g.KernelW;
        int Cg = C / g.Groups, Og = O / g.Groups;
        var dx = new double[x.Length]; var dw = new double[w.Length]; var db = new double[O];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < O; o++)
            {
                int grp = o / Og;
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double d = dz[((n * O + o) * OH + oh) * OW + ow];
                        db[o] += d;
                        for (int ci = 0; ci < Cg; ci++)
                            for (int kh = 0; kh < KH; kh++)
                                for (int kw = 0; kw < KW; kw++)
                                {
                                    int ih = oh * g.StrideH - g.PadH + kh * g.DilationH;
                                    int iw = ow * g.StrideW - g.PadW + kw * g.DilationW;
                                    if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                    int xi = ((n * C + grp * Cg + ci) * H + ih) * W + iw, wi = ((o * Cg + ci) * KH + kh) * KW + kw;
                                    dw[wi] += d * x[xi];
                                    dx[xi] += d * w[wi];
                                }
                    }
            }
        return (dx, dw, db);
    }

    // ---------------- dense ----------------

    /// <summary>z[n,o] = b[o] + Σ_i x[n,i] w[o,i].</summary>
    public static double[] DenseForward(int batch, int inF, int outF, double[] x, double[] w, double[]? b)
    {
        var z = new double[batch * outF];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outF; o++)
            {
                double s = b is null ? 0 : b[o];
                for (int i = 0; i < inF; i++) s += x[n * inF + i] * w[o * inF + i];
                z[n * outF + o] = s;
            }
        return z;
    }

    public static (double[] dx, double[] dw, double[] db) DenseBackward(int batch, int inF, int outF, double[] x, double[] w, double[] dz)
    {
        var dx = new double[x.Length]; var dw = new double[w.Length]; var db = new double[outF];
        for (int n = 0; n < batch; n++)
            for (int o = 0; o < outF; o++)
            {
                double d = dz[n * outF + o];
                db[o] += d;
                for (int i = 0; i < inF; i++) { dx[n * inF + i] += d * w[o * inF + i]; dw[o * inF + i] += d * x[n * inF + i]; }
            }
        return (dx, dw, db);
    }

    // ---------------- pooling ----------------

    /// <summary>Output size, restated from PyTorch's pooling_output_shape_pad_lr (not from SlidingWindow): floor or ceil of
    /// (in + pads − k) / s, plus 1, and in ceil mode a last window starting at or past in + pad_before is dropped.</summary>
    public static (int OH, int OW) PoolOutput(Pool2DGeometry g)
    {
        static int Axis(int input, int k, int s, int before, int after, bool ceil)
        {
            double span = input + before + after - k;
            int size = (int)(ceil ? Math.Ceiling(span / s) : Math.Floor(span / s)) + 1;
            if (ceil && (size - 1) * s >= input + before) size--;
            return size;
        }
        return (Axis(g.InHeight, g.KernelH, g.StrideH, g.PadH, g.PadBottom, g.CeilMode), Axis(g.InWidth, g.KernelW, g.StrideW, g.PadW, g.PadRight, g.CeilMode));
    }

    /// <summary>Max over the window, padding = −∞; returns y and, per output, the flat in-sample index of the max.</summary>
    public static (double[] y, int[] argmax) MaxPoolForward(Pool2DGeometry g, int batch, double[] x)
    {
        var (OH, OW) = PoolOutput(g);
        int C = g.Channels, H = g.InHeight, W = g.InWidth;
        var y = new double[batch * C * OH * OW]; var am = new int[y.Length];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double best = double.NegativeInfinity; int at = -1;
                        for (int i = 0; i < g.KernelH; i++)
                            for (int j = 0; j < g.KernelW; j++)
                            {
                                int ih = oh * g.StrideH - g.PadH + i, iw = ow * g.StrideW - g.PadW + j;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                double v = x[((n * C + c) * H + ih) * W + iw];
                                if (v > best) { best = v; at = (c * H + ih) * W + iw; }
                            }
                        int o = ((n * C + c) * OH + oh) * OW + ow;
                        y[o] = best; am[o] = at;
                    }
        return (y, am);
    }

    public static double[] AvgPoolForward(Pool2DGeometry g, int batch, double[] x, bool countIncludePad)
    {
        var (OH, OW) = PoolOutput(g);
        int C = g.Channels, H = g.InHeight, W = g.InWidth;
        var y = new double[batch * C * OH * OW];
        for (int n = 0; n < batch; n++)
            for (int c = 0; c < C; c++)
                for (int oh = 0; oh < OH; oh++)
                    for (int ow = 0; ow < OW; ow++)
                    {
                        double s = 0; int count = 0, padded = 0;
                        for (int i = 0; i < g.KernelH; i++)
                            for (int j = 0; j < g.KernelW; j++)
                            {
                                int ih = oh * g.StrideH - g.PadH + i, iw = ow * g.StrideW - g.PadW + j;
                                // count_include_pad counts the cells inside input + padding (a ceil-mode window may stick out)
                                if (ih < H + g.PadBottom && iw < W + g.PadRight) padded++;
                                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                                s += x[((n * C + c) * H + ih) * W + iw]; count++;
                            }
                        y[((n * C + c) * OH + oh) * OW + ow] = s / (countIncludePad ? padded : count);
                    }
        return y;
    }

    public static double[] GlobalAvgPoolForward(int batch, int channels, int spatial, double[] x)
    {
        var y = new double[batch * channels];
        for (int i = 0; i < y.Length; i++) { double s = 0; for (int k = 0; k < spatial; k++) s += x[i * spatial + k]; y[i] = s / spatial; }
        return y;
    }

    // ---------------- losses ----------------

    /// <summary>Σ_n −log softmax(z_n)[label_n], via the shifted log-sum-exp in double.</summary>
    public static double SoftmaxCrossEntropy(int batch, int classes, double[] logits, int[] labels)
    {
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            double m = double.NegativeInfinity;
            for (int j = 0; j < classes; j++) m = Math.Max(m, logits[n * classes + j]);
            double s = 0;
            for (int j = 0; j < classes; j++) s += Math.Exp(logits[n * classes + j] - m);
            loss += m + Math.Log(s) - logits[n * classes + labels[n]];
        }
        return loss;
    }

    public static double[] Softmax(int batch, int classes, double[] logits)
    {
        var p = new double[logits.Length];
        for (int n = 0; n < batch; n++)
        {
            double m = double.NegativeInfinity;
            for (int j = 0; j < classes; j++) m = Math.Max(m, logits[n * classes + j]);
            double s = 0;
            for (int j = 0; j < classes; j++) s += Math.Exp(logits[n * classes + j] - m);
            for (int j = 0; j < classes; j++) p[n * classes + j] = Math.Exp(logits[n * classes + j] - m) / s;
        }
        return p;
    }

    public static double SquaredError(double[] p, double[] t)
    {
        double s = 0;
        for (int i = 0; i < p.Length; i++) s += (p[i] - t[i]) * (p[i] - t[i]);
        return s;
    }

    // ---------------- matrix multiply ----------------

    /// <summary>C[i,j] = Σ_p A[i,p] B[p,j] with A m×k, B k×n, all dense row-major.</summary>
    public static double[] MatMul(int m, int n, int k, double[] a, double[] b)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }
}
