using System.Globalization;
using System.Text;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Tests.Checkpoints;
using DeepPsych.Dsl.Tests.Reference;

namespace DeepPsych.Dsl.Tests.Ops.Pooling;

/// <summary>Ceil mode and per-side padding of MaxPool2DOp and AvgPool2DOp against PyTorch 1.13: forward values and the
/// input gradient of Σ r·y. PyTorch pools pad symmetrically, so a per-side window is run there as <c>F.pad</c> (−∞ for max,
/// zeros for average with count_include_pad) followed by an unpadded pool. That emulation is exact in floor mode only: in
/// ceil mode PyTorch's rule drops a last window that starts in the bottom/right padding, which F.pad turns into input. So
/// per-side windows in ceil mode, and average pooling without count_include_pad on per-side pads, have no PyTorch
/// counterpart here; the double reference (PyTorch's pooling_output_shape_pad_lr restated) covers them.</summary>
public sealed class PoolWindowsPyTorchTests
{
    private static string List(IEnumerable<float> v) => "[" + string.Join(", ", v.Select(f => f.ToString("R", CultureInfo.InvariantCulture))) + "]";

    [TorchFact]
    public void Ceil_mode_and_per_side_padding_match_pytorch()
    {
        const int batch = 2;
        var script = new StringBuilder("import torch.nn.functional as F\nres = []\n");
        var cases = new List<(string Window, string Pool, bool Include, Pool2DGeometry G, float[] X, float[] R)>();
        foreach (string window in PoolWindows.CeilAndPerSide)
        {
            var g = PoolWindows.Parse(window);
            bool symmetric = g.PadBottom == g.PadH && g.PadRight == g.PadW;
            if (!symmetric && g.CeilMode) continue;
            var x = TestData.Distinct(11, batch * g.InputLength);
            var r = TestData.Uniform(12, batch * g.OutputLength);
            foreach (var (pool, include) in new[] { ("max", true), ("avg", true), ("avg", false) })
            {
                if (pool == "avg" && !include && !symmetric) continue;
                cases.Add((window, pool, include, g, x, r));
                string ceil = g.CeilMode ? "True" : "False";
                script.AppendLine($"x = torch.tensor({List(x)}, dtype=torch.float32).reshape({batch}, {g.Channels}, {g.InHeight}, {g.InWidth}).requires_grad_()");
                string input = symmetric ? "x" : $"F.pad(x, ({g.PadW}, {g.PadRight}, {g.PadH}, {g.PadBottom}), value={(pool == "max" ? "float('-inf')" : "0.0")})";
                string pad = symmetric ? $"({g.PadH}, {g.PadW})" : "0";
                script.AppendLine(pool == "max"
                    ? $"y = F.max_pool2d({input}, ({g.KernelH}, {g.KernelW}), ({g.StrideH}, {g.StrideW}), {pad}, ceil_mode={ceil})"
                    : $"y = F.avg_pool2d({input}, ({g.KernelH}, {g.KernelW}), ({g.StrideH}, {g.StrideW}), {pad}, ceil_mode={ceil}, count_include_pad={(include ? "True" : "False")})");
                script.AppendLine($"(y.flatten() * torch.tensor({List(r)}, dtype=torch.float32)).sum().backward() if y.numel() == {r.Length} else None");
                script.AppendLine("print(' '.join(str(v) for v in y.shape)); print(' '.join(repr(float(v)) for v in y.flatten())); print(' '.join(repr(float(v)) for v in x.grad.flatten()) if x.grad is not None else 'nograd')");
            }
        }
        var lines = TorchPython.Run(script.ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3 * cases.Count, lines.Length);
        for (int i = 0; i < cases.Count; i++)
        {
            var (window, pool, include, g, x, r) = cases[i];
            string what = $"{pool} pool \"{window}\"" + (pool == "avg" ? $" count_include_pad={include}" : "");
            Assert.True($"{batch} {g.Channels} {g.OutHeight} {g.OutWidth}" == lines[3 * i].Trim(),
                $"{what}: output {batch}x{g.Channels}x{g.OutHeight}x{g.OutWidth} here, {lines[3 * i].Trim()} in PyTorch");
            var y = new float[batch * g.OutputLength];
            var dx = new float[x.Length];
            if (pool == "max")
            {
                var argmax = new int[y.Length];
                MaxPool2DOp.Forward(g, batch, x, y, argmax);
                MaxPool2DOp.Backward(g, batch, r, argmax, dx);
            }
            else
            {
                AvgPool2DOp.Forward(g, batch, x, y, include);
                AvgPool2DOp.Backward(g, batch, r, dx, include);
            }
            AssertClose(what + " y", y, lines[3 * i + 1]);
            AssertClose(what + " dx", dx, lines[3 * i + 2]);
        }
    }

    private static void AssertClose(string what, float[] here, string pytorch)
    {
        var expected = pytorch.Trim().Split(' ').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(expected.Length == here.Length, $"{what}: {here.Length} values here, {expected.Length} in PyTorch");
        for (int i = 0; i < here.Length; i++)
            Assert.True(Math.Abs(here[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: {here[i]:R} here, {expected[i]:R} in PyTorch");
    }
}
