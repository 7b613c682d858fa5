using DeepPsych.Dsl;
using DeepPsych.Dsl.Devices;
using DeepPsych.Dsl.Ops;
using DeepPsych.Dsl.Optimizers;
using Examples.FashionMnist;

/// <summary>
/// Parity checks runnable without a test runner (the GPU machine has no .NET SDK): the device against the CPU ops, with the
/// same tolerances as tests/DeepPsych.Dsl.Ilgpu.Tests (Tolerance.cs). A subset of that suite: every conv option,
/// dense, pooling, exact dropout masks, softmax CE, and five steps of the generated LeNet-5 on the device.
/// </summary>
internal static class Parity
{
    private const double OpsAbs = 2e-5, OpsRel = 1e-5, NetAbs = 1e-5, NetRel = 1e-4;

    public static int Run(IDeviceBackend b)
    {
        int failures = 0;
        void Check(string what, float[] expected, float[] actual, double abs, double rel)
        {
            double worst = 0; int bad = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double err = Math.Abs(expected[i] - actual[i]);
                worst = Math.Max(worst, err);
                if (!(err <= abs + rel * Math.Abs(expected[i]))) bad++;
            }
            Console.WriteLine($"  {(bad == 0 ? "ok  " : "FAIL")} {what}: worst |err| {worst:E2}{(bad > 0 ? $", {bad} of {expected.Length} outside tolerance" : "")}");
            if (bad > 0) failures++;
        }
        float[] Down(DeviceBuffer<float> buf) { var a = new float[buf.Length]; b.Download<float>(buf, a); return a; }
        DeviceBuffer<float> Up(float[] a) { var buf = b.Allocate<float>(a.Length); b.Upload<float>(a, buf); return buf; }

        Console.WriteLine("parity against the CPU ops:");
        var geometries = new (string, Conv2DGeometry)[]
        {
            ("basic", Conv2DGeometry.Square(2, 5, 6, 3, 3, padding: 1)),
            ("strided-dilated-rect", new(3, 7, 6, 4, 3, 2, 2, 1, 1, 0, 2, 1, 1)),
            ("grouped", Conv2DGeometry.Square(4, 5, 5, 6, 3, padding: 1, groups: 2)),
            ("depthwise-strided", Conv2DGeometry.Square(3, 6, 6, 3, 3, stride: 2, padding: 1, groups: 3)),
            ("pointwise", Conv2DGeometry.Square(4, 4, 4, 5, 1)),
            ("resnet 3x3 64->64", Conv2DGeometry.Square(64, 14, 14, 64, 3, padding: 1)),
        };
        foreach (var (name, g) in geometries)
        {
            const int n = 3;
            var x = Rand(n * g.InputLength, 1); var w = Rand(g.WeightLength, 2); var bias = Rand(g.OutChannels, 3); var dz = Rand(n * g.OutputLength, 4);
            var y = new float[n * g.OutputLength]; var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[g.OutChannels];
            Conv2DOp.Forward(g, n, x, w, bias, y, Act.LeakyReLU, 0.1f);
            Conv2DOp.Backward(g, n, x, w, dz, dx, dw, db);
            using var bx = Up(x); using var bw = Up(w); using var bb = Up(bias); using var bdz = Up(dz);
            using var by = b.Allocate<float>(y.Length); using var bdx = b.Allocate<float>(dx.Length); using var bdw = b.Allocate<float>(dw.Length); using var bdb = b.Allocate<float>(db.Length);
            b.Conv2DForward(g, n, bx, bw, bb, by, Act.LeakyReLU, 0.1f);
            b.Conv2DBackward(g, n, bx, bw, bdz, bdx, bdw, bdb);
            // K = C/G·KH·KW terms per output; the 64-channel case sums 576 (forward) to 3·196·… (dw) terms: scale the absolute bound.
            double scale = Math.Max(1, g.InChannels / g.Groups * 9 / 150.0);
            Check($"conv {name} forward", y, Down(by), OpsAbs * scale, OpsRel);
            Check($"conv {name} dx", dx, Down(bdx), OpsAbs * scale, OpsRel);
            Check($"conv {name} dw", dw, Down(bdw), OpsAbs * scale * 10, OpsRel);
            Check($"conv {name} db", db, Down(bdb), OpsAbs * scale * 10, OpsRel);
        }
        {
            const int n = 5, inF = 33, outF = 17;
            var x = Rand(n * inF, 5); var w = Rand(outF * inF, 6); var bias = Rand(outF, 7); var dz = Rand(n * outF, 8);
            var y = new float[n * outF]; var dx = new float[x.Length]; var dw = new float[w.Length]; var db = new float[outF];
            DenseOp.Forward(n, inF, outF, x, w, bias, y, Act.Tanh);
            DenseOp.Backward(n, inF, outF, x, w, dz, dx, dw, db);
            using var bx = Up(x); using var bw = Up(w); using var bb = Up(bias); using var bdz = Up(dz);
            using var by = b.Allocate<float>(y.Length); using var bdx = b.Allocate<float>(dx.Length); using var bdw = b.Allocate<float>(dw.Length); using var bdb = b.Allocate<float>(db.Length);
            b.DenseForward(n, inF, outF, bx, bw, bb, by, Act.Tanh);
            b.DenseBackward(n, inF, outF, bx, bw, bdz, bdx, bdw, bdb);
            Check("dense+tanh forward", y, Down(by), OpsAbs, OpsRel);
            Check("dense dx/dw/db", [.. dx, .. dw, .. db], [.. Down(bdx), .. Down(bdw), .. Down(bdb)], OpsAbs, OpsRel);
        }
        {
            var g = Pool2DGeometry.Square(3, 9, 8, 3, stride: 2, padding: 1);
            const int n = 2;
            var x = Rand(n * g.InputLength, 9); var dy = Rand(n * g.OutputLength, 10);
            var y = new float[dy.Length]; var arg = new int[dy.Length]; var dx = new float[x.Length];
            MaxPool2DOp.Forward(g, n, x, y, arg); MaxPool2DOp.Backward(g, n, dy, arg, dx);
            using var bx = Up(x); using var bdy = Up(dy); using var by = b.Allocate<float>(y.Length); using var barg = b.Allocate<int>(y.Length); using var bdx = b.Allocate<float>(dx.Length);
            b.MaxPool2DForward(g, n, bx, by, barg); b.MaxPool2DBackward(g, n, bdy, barg, bdx);
            Check("maxpool 3x3/2 forward (exact)", y, Down(by), 0, 0);
            Check("maxpool dx", dx, Down(bdx), 1e-6, 1e-6);
            var ya = new float[dy.Length]; var dxa = new float[x.Length];
            AvgPool2DOp.Forward(g, n, x, ya, false); AvgPool2DOp.Backward(g, n, dy, dxa, false);
            using var bya = b.Allocate<float>(ya.Length); using var bdxa = b.Allocate<float>(dxa.Length);
            b.AvgPool2DForward(g, n, bx, bya, false); b.AvgPool2DBackward(g, n, bdy, bdxa, false);
            Check("avgpool forward/backward", [.. ya, .. dxa], [.. Down(bya), .. Down(bdxa)], OpsAbs, OpsRel);
        }
        {
            var x = Rand(4096, 11); var y = new float[x.Length]; var mask = new float[x.Length];
            DropoutOp.Forward(0.4f, 9, 77, 5, x, y, mask);
            using var bx = Up(x); using var by = b.Allocate<float>(x.Length); using var bm = b.Allocate<float>(x.Length);
            b.DropoutForward(0.4f, 9, 77, 5, bx, by, bm);
            Check("dropout mask (exact)", mask, Down(bm), 0, 0);
        }
        {
            const int n = 64, classes = 10;
            var z = Rand(n * classes, 12, -5, 5); var labels = new int[n]; for (int i = 0; i < n; i++) labels[i] = (i * 7) % classes;
            var d = new float[z.Length];
            double loss = SoftmaxCrossEntropyOp.ForwardBackward(n, classes, z, labels, d, 1f / n);
            using var bz = Up(z); using var bl = b.Allocate<int>(n); using var bd = b.Allocate<float>(d.Length); using var bloss = b.Allocate<float>(n);
            b.Upload<int>(labels, bl);
            b.SoftmaxCrossEntropy(n, classes, bz, bl, bd, 1f / n, bloss);
            Check("softmax CE dlogits", d, Down(bd), 1e-6, 1e-5);
            Check("softmax CE loss", [(float)loss], [(float)b.Sum(bloss)], 1e-5, 1e-5);
        }
        {
            // The generated LeNet-5 on the device (parameters, gradients and momentum kept there) against its CPU path.
            const int n = 8;
            var reference = new LeNet5 { Threads = 1 };
            var device = new LeNet5();
            device.UseDevice(b);
            var x = Rand(n * 784, 13, 0, 1); var labels = new int[n]; for (int i = 0; i < n; i++) labels[i] = i % 10;
            var s1 = new Sgd(0.05f, momentum: 0.9f); var s2 = new Sgd(0.05f, momentum: 0.9f);
            for (int step = 1; step <= 5; step++)
            {
                reference.ZeroGradients(); device.ZeroGradients();
                float l1 = reference.ComputeGradients(x, labels, n), l2 = device.ComputeGradients(x, labels, n);
                Check($"LeNet-5 step {step} loss", [l1], [l2], NetAbs, NetRel);
                if (step == 1) Check("LeNet-5 step 1 gradients", reference.Gradients, device.Gradients, NetAbs, NetRel);
                s1.Step(reference); s2.Step(device);
            }
            Check("LeNet-5 parameters after 5 SGD-momentum steps", reference.Parameters, device.Parameters, NetAbs, NetRel);
            device.UseDevice(null);
        }
        return failures;
    }

    private static float[] Rand(int n, int seed, float lo = -1, float hi = 1)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * r.NextSingle();
        return a;
    }
}
