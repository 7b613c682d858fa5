using System.Globalization;

namespace DeepPsych.Dsl.Tests.Reference;

/// <summary>
/// The oracle for the graph-network layers (BatchNorm, LRN, spatial pyramid and adaptive pooling, softmax, weighted
/// cross-entropy): plain double loops straight from the definitions, sharing no code with the fast ops — the bin edges
/// are re-derived here with floating-point floor/ceil, not taken from <c>AdaptiveBins</c>.
/// </summary>
public static class ReferenceGraphOps
{
    // ---------------- Residual add and channel concatenation ----------------

    /// <summary>y = a + b, element by element.</summary>
    public static double[] Add(double[] a, double[] b) => a.Select((v, i) => v + b[i]).ToArray();

    /// <summary>torch.cat(xs, dim=1) for N × Cₖ × S inputs given as (Cₖ, x).</summary>
    public static double[] ConcatChannels(int n, int s, params (int C, double[] X)[] inputs)
    {
        int c = inputs.Sum(i => i.C);
        var y = new double[n * c * s];
        for (int b = 0; b < n; b++)
        {
            int offset = 0;
            foreach (var (ck, x) in inputs)
            {
                for (int ch = 0; ch < ck; ch++)
                    for (int j = 0; j < s; j++)
                        y[(b * c + offset + ch) * s + j] = x[(b * ck + ch) * s + j];
                offset += ck;
            }
        }
        return y;
    }

    // ---------------- BatchNorm ----------------

    /// <summary>Training forward: per channel μ, biased σ², y = γ (x − μ)/√(σ² + ε) + β. Returns y, μ and σ² (biased).</summary>
    public static (double[] Y, double[] Mean, double[] Var) BatchNormTraining(int n, int c, int s, double[] x, double[]? gamma, double[]? beta, double eps)
    {
        var y = new double[x.Length]; var mean = new double[c]; var var = new double[c];
        double m = (double)n * s;
        for (int ch = 0; ch < c; ch++)
        {
            double sum = 0;
            for (int b = 0; b < n; b++) for (int p = 0; p < s; p++) sum += x[(b * c + ch) * s + p];
            mean[ch] = sum / m;
            double sq = 0;
            for (int b = 0; b < n; b++) for (int p = 0; p < s; p++) { double d = x[(b * c + ch) * s + p] - mean[ch]; sq += d * d; }
            var[ch] = sq / m;
            for (int b = 0; b < n; b++)
                for (int p = 0; p < s; p++)
                {
                    int i = (b * c + ch) * s + p;
                    y[i] = (gamma?[ch] ?? 1) * (x[i] - mean[ch]) / Math.Sqrt(var[ch] + eps) + (beta?[ch] ?? 0);
                }
        }
        return (y, mean, var);
    }

    /// <summary>Eval forward with running statistics.</summary>
    public static double[] BatchNormInference(int n, int c, int s, double[] x, double[]? gamma, double[]? beta, double[] mean, double[] var, double eps)
    {
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < s; p++)
                {
                    int i = (b * c + ch) * s + p;
                    y[i] = (gamma?[ch] ?? 1) * (x[i] - mean[ch]) / Math.Sqrt(var[ch] + eps) + (beta?[ch] ?? 0);
                }
        return y;
    }

    // ---------------- LRN (PyTorch: avg_pool3d over the zero-padded squares, then k + α·avg, ^β) ----------------

    public static double[] LrnForward(int n, int c, int s, int size, double alpha, double beta, double k, double[] x)
    {
        var y = new double[x.Length];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (int p = 0; p < s; p++)
                {
                    // PyTorch pads size/2 channels before and (size−1)/2 after, then averages `size` consecutive squares.
                    double sum = 0;
                    for (int t = 0; t < size; t++)
                    {
                        int cc = ch - size / 2 + t;
                        if (cc >= 0 && cc < c) sum += x[(b * c + cc) * s + p] * x[(b * c + cc) * s + p];
                    }
                    int i = (b * c + ch) * s + p;
                    y[i] = x[i] / Math.Pow(k + alpha * sum / size, beta);
                }
        return y;
    }

    // ---------------- adaptive bins, SPP, adaptive average pooling ----------------

    /// <summary>Bin i of n over a cells: [floor(i·a/n), ceil((i+1)·a/n)), computed in floating point.</summary>
    public static (int Start, int End) Bin(int i, int a, int n) => ((int)Math.Floor((double)i * a / n), (int)Math.Ceiling((double)(i + 1) * a / n));

    public static double[] SppForward(int n, int c, int h, int w, int[] levels, double[] x)
    {
        var y = new List<double>();
        for (int b = 0; b < n; b++)
            foreach (int l in levels)
                for (int ch = 0; ch < c; ch++)
                    for (int bh = 0; bh < l; bh++)
                        for (int bw = 0; bw < l; bw++)
                        {
                            var (h0, h1) = Bin(bh, h, l); var (w0, w1) = Bin(bw, w, l);
                            double best = double.NegativeInfinity;
                            for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) best = Math.Max(best, x[((b * c + ch) * h + ih) * w + iw]);
                            y.Add(best);
                        }
        return y.ToArray();
    }

    public static double[] AdaptiveAvgPool(int n, int c, int h, int w, int oh, int ow, double[] x)
    {
        var y = new double[n * c * oh * ow];
        for (int pl = 0; pl < n * c; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    var (h0, h1) = Bin(i, h, oh); var (w0, w1) = Bin(j, w, ow);
                    double sum = 0;
                    for (int ih = h0; ih < h1; ih++) for (int iw = w0; iw < w1; iw++) sum += x[(pl * h + ih) * w + iw];
                    y[(pl * oh + i) * ow + j] = sum / ((h1 - h0) * (w1 - w0));
                }
        return y;
    }

    // ---------------- softmax, log-softmax, weighted cross-entropy ----------------

    /// <summary>Softmax (<see cref="ReferenceOps.Softmax"/>) or log-softmax z − m − ln Σ e^{z − m} per row.</summary>
    public static double[] SoftmaxForward(int n, int k, double[] z, bool log)
    {
        if (!log) return ReferenceOps.Softmax(n, k, z);
        var y = new double[z.Length];
        for (int r = 0; r < n; r++)
        {
            double m = double.NegativeInfinity;
            for (int j = 0; j < k; j++) m = Math.Max(m, z[r * k + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(z[r * k + j] - m);
            for (int j = 0; j < k; j++) y[r * k + j] = z[r * k + j] - m - Math.Log(sum);
        }
        return y;
    }

    /// <summary>PyTorch's weighted mean: Σ w_y·nll / Σ w_y over rows not ignored.</summary>
    public static double WeightedCrossEntropyMean(int n, int k, double[] z, int[] labels, double[]? weights, int ignore)
    {
        var logp = SoftmaxForward(n, k, z, log: true);
        double num = 0, den = 0;
        for (int r = 0; r < n; r++)
        {
            if (labels[r] == ignore) continue;
            double w = weights?[labels[r]] ?? 1;
            num -= w * logp[r * k + labels[r]];
            den += w;
        }
        return num / den;
    }

    // ---------------- exchanging numbers with the PyTorch scripts ----------------

    /// <summary>A Python list literal of the values, round-trippable.</summary>
    public static string PyList(IEnumerable<float> values) => "[" + string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "]";

    /// <summary>A Python list literal of integers.</summary>
    public static string PyList(IEnumerable<int> values) => "[" + string.Join(", ", values) + "]";

    /// <summary>Parses one printed line of space-separated floats (what the scripts print with <c>" ".join(repr(float(v)) ...)</c>).</summary>
    public static float[] ParseLine(string line) => line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => float.Parse(t, CultureInfo.InvariantCulture)).ToArray();
}
