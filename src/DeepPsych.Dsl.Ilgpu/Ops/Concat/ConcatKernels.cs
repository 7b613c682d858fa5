using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu.Ops;

/// <summary>One input of a channel concatenation: N × InC × S into channels [Offset, Offset + InC) of N × OutC × S.</summary>
public readonly record struct ConcatShape(int N, int InC, int OutC, int Offset, int S)
{
    /// <summary>Elements of this input: N·InC·S.</summary>
    public int Length => N * InC * S;

    /// <summary>Where input element <paramref name="i"/> sits in the output.</summary>
    public int OutputIndex(int i)
    {
        int block = InC * S, n = i / block;
        return (n * OutC + Offset) * S + (i - n * block);
    }
}

/// <summary>Channel concatenation, mirroring <c>ConcatOp</c>, one launch per input: forward copies it into its slice,
/// backward adds the slice of dy into its gradient. One thread per input element.</summary>
public static class ConcatKernels
{
    /// <summary>y[n, offset + c, s] = x[n, c, s].</summary>
    public static void Forward(Index1D i, SpecializedValue<ConcatShape> shape, ArrayView<float> x, ArrayView<float> y) => y[shape.Value.OutputIndex(i)] = x[i];

    /// <summary>dx[n, c, s] += dy[n, offset + c, s].</summary>
    public static void Backward(Index1D i, SpecializedValue<ConcatShape> shape, ArrayView<float> dy, ArrayView<float> dx) => dx[i] += dy[shape.Value.OutputIndex(i)];

    /// <summary>Queues the Forward kernel for one input.</summary>
    public static void Forward(Accelerator accelerator, ConcatShape shape, ArrayView<float> x, ArrayView<float> y)
    {
        Check("ConcatKernels.Forward", shape, x.Length, "x", y.Length, "y");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ConcatShape>, ArrayView<float>, ArrayView<float>>(Forward))
            (shape.Length, SpecializedValue.New(shape), x, y);
    }

    /// <summary>Queues the Backward kernel for one input (accumulates).</summary>
    public static void Backward(Accelerator accelerator, ConcatShape shape, ArrayView<float> dy, ArrayView<float> dx)
    {
        Check("ConcatKernels.Backward", shape, dx.Length, "dx", dy.Length, "dy");
        LoadedKernels.Get(accelerator, static a => a.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ConcatShape>, ArrayView<float>, ArrayView<float>>(Backward))
            (shape.Length, SpecializedValue.New(shape), dy, dx);
    }

    private static void Check(string op, ConcatShape s, long inLength, string inName, long outLength, string outName)
    {
        if (s.N < 0 || s.InC <= 0 || s.S <= 0 || s.Offset < 0 || s.Offset + s.InC > s.OutC)
            throw new ArgumentException($"{op}: channels [{s.Offset}, {s.Offset + s.InC}) of an input with {s.InC} channels do not lie inside the {s.OutC} output channels.");
        Shapes.Length(op, inName, inLength, s.Length, $"{s.N}x{s.InC}x{s.S}");
        Shapes.Length(op, outName, outLength, (long)s.N * s.OutC * s.S, $"{s.N}x{s.OutC}x{s.S}");
    }
}
