using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Shapes;

namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>Stage 3: shapes for every node, then the parameter layout (one block, weight before bias, in declaration
/// order), initialisers, FLOPs, the architecture hash, and the training-signal warnings (DPD0008, DPD0009).</summary>
internal static class Planner
{
    /// <summary>Saturating activations in a row before DPD0009 warns. Five sigmoids bound the gradient by 0.25^5 ≈ 1e-3.</summary>
    internal const int VanishingChainLength = 5;

    public static PlanResult Plan(ParseResult parsed)
    {
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        var spec = parsed.Spec;
        if (spec is null) return new PlanResult(null, diagnostics.ToEquatableArray());

        var input = spec.InputShape.Items.ToArray();
        if (input.Length is not (1 or 3) || input.Any(d => d <= 0))
        {
            string problem = input.Length == 0 ? "Input is missing"
                : input.Length is not (1 or 3) ? $"Input has {input.Length} dimensions ({ShapeMath.Format(input)})"
                : $"Input {ShapeMath.Format(input)} has a size <= 0";
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidInputShape, spec.Location, spec.ClassName, problem));
            return new PlanResult(null, diagnostics.ToEquatableArray());
        }
        if (spec.Layers.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, spec.Location, spec.ClassName));
            return new PlanResult(null, diagnostics.ToEquatableArray());
        }

        // Shapes, in topological order.
        var shapes = new List<int[]>();
        bool failed = false;
        foreach (var declaration in spec.Layers)
        {
            var layer = declaration.Spec;
            int from = layer.Inputs.Length > 0 ? layer.Inputs[0] : -1;
            var source = from < 0
                ? new ShapeInference.Source(input, "network input")
                : new ShapeInference.Source(shapes[from], "after " + spec.Layers[from].Spec.Name);
            if (source.Shape.Length == 0) { failed = true; shapes.Add([]); continue; } // upstream already reported
            var output = ShapeInference.Infer(layer, source, declaration.Location, diagnostics);
            if (output is null) failed = true;
            shapes.Add(output ?? []);
        }

        if (!failed)
        {
            var last = shapes[shapes.Count - 1];
            string lastName = spec.Layers[spec.Layers.Length - 1].Spec.Name;
            if (spec.Loss == LossKind.SoftmaxCrossEntropy && (last.Length != 1 || last[0] < 2))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFitOutput, spec.Layers[spec.Layers.Length - 1].Location ?? spec.Location,
                    spec.ClassName, "SoftmaxCrossEntropy", "a vector of at least 2 class scores", ShapeMath.Format(last), lastName,
                    last.Length != 1 ? "end with a Dense layer (or GlobalAvgPool) that outputs one score per class" : "use at least 2 classes, or Loss = Loss.MeanSquaredError for one output"));
                failed = true;
            }
        }

        TrainingSignalWarnings(spec, diagnostics);
        if (failed || diagnostics.Any(d => d.IsError)) return new PlanResult(null, diagnostics.ToEquatableArray());

        // Parameter layout and costs.
        var nodes = new List<NodePlan>();
        int offset = 0;
        long flops = 0;
        for (int i = 0; i < spec.Layers.Length; i++)
        {
            var layer = spec.Layers[i].Spec;
            int from = layer.Inputs.Length > 0 ? layer.Inputs[0] : -1;
            var inShape = from < 0 ? input : shapes[from];
            var outShape = shapes[i];
            ParameterPlan? weights = null, bias = null;
            var init = ResolveInit(spec, i);
            if (layer.Kind == LayerKind.Conv2D)
            {
                int cg = inShape[0] / layer.Groups;
                int[] wShape = [layer.Units, cg, layer.KernelH, layer.KernelW];
                weights = Param(layer.Name + ".weight", wShape, ref offset, cg * layer.KernelH * layer.KernelW, layer.Units * layer.KernelH * layer.KernelW, init);
                if (layer.Bias) bias = Param(layer.Name + ".bias", [layer.Units], ref offset, 0, 0, init);
            }
            else if (layer.Kind == LayerKind.Dense)
            {
                int fanIn = ShapeMath.Product(inShape);
                weights = Param(layer.Name + ".weight", [layer.Units, fanIn], ref offset, fanIn, layer.Units, init);
                if (layer.Bias) bias = Param(layer.Name + ".bias", [layer.Units], ref offset, 0, 0, init);
            }
            long cost = Flops(layer, inShape, outShape);
            flops += cost;
            nodes.Add(new NodePlan(layer, inShape.ToEquatableArray(), outShape.ToEquatableArray(), weights, bias, cost));
        }

        var plan = new NetworkPlan(spec.Namespace, spec.ContainingTypes, spec.ClassName, spec.Accessibility, spec.InputShape, spec.Loss,
            nodes.ToEquatableArray(), offset, flops, Hash(spec, nodes));
        return new PlanResult(plan, diagnostics.ToEquatableArray());
    }

    private static ParameterPlan Param(string name, int[] shape, ref int offset, int fanIn, int fanOut, InitKind init)
    {
        var p = new ParameterPlan(name, shape.ToEquatableArray(), offset, ShapeMath.Product(shape), fanIn, fanOut, init);
        offset += p.Length;
        return p;
    }

    /// <summary>Auto → He when the layer's activation (fused, or a standalone activation right after it) is in the
    /// ReLU family; Xavier/Glorot otherwise.</summary>
    private static InitKind ResolveInit(NetworkSpec spec, int index)
    {
        var layer = spec.Layers[index].Spec;
        if (layer.Init != InitKind.Auto) return layer.Init;
        var act = layer.Activation;
        if (act == ActKind.None && index + 1 < spec.Layers.Length && spec.Layers[index + 1].Spec.Kind == LayerKind.Activation)
            act = spec.Layers[index + 1].Spec.Activation;
        return act is ActKind.ReLU or ActKind.LeakyReLU or ActKind.Softplus ? InitKind.He : InitKind.Xavier;
    }

    /// <summary>Forward FLOPs per sample: a multiply-add is 2; pooling and activations count one per element visited.</summary>
    private static long Flops(LayerSpec layer, int[] inShape, int[] outShape)
    {
        long outLength = ShapeMath.Product(outShape);
        long act = layer.Activation == ActKind.None ? 0 : outLength;
        switch (layer.Kind)
        {
            case LayerKind.Conv2D:
                return 2L * outLength * (inShape[0] / layer.Groups) * layer.KernelH * layer.KernelW + (layer.Bias ? outLength : 0) + act;
            case LayerKind.Dense:
                return 2L * outLength * ShapeMath.Product(inShape) + (layer.Bias ? outLength : 0) + act;
            case LayerKind.MaxPool2D:
            case LayerKind.AvgPool2D:
                return outLength * layer.KernelH * layer.KernelW;
            case LayerKind.GlobalAvgPool:
                return ShapeMath.Product(inShape);
            case LayerKind.Activation:
                return outLength;
            default:
                return 0;
        }
    }

    /// <summary>DPD0008 (Step behind trainable layers) and DPD0009 (long chains of saturating activations).</summary>
    private static void TrainingSignalWarnings(NetworkSpec spec, List<DiagnosticInfo> diagnostics)
    {
        var trainable = new List<string>();
        int chain = 0, sigmoids = 0, tanhs = 0;
        string? chainStart = null;
        LayerDeclaration? chainEnd = null;

        void CloseChain()
        {
            if (chain >= VanishingChainLength && chainEnd is not null)
            {
                double bound = Math.Pow(0.25, sigmoids);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VanishingGradients, chainEnd.Location, chainEnd.Spec.Name, chain,
                    $"sigmoid x{sigmoids}, tanh x{tanhs}, from {chainStart} to {chainEnd.Spec.Name}", chainStart!,
                    $"0.25^{sigmoids} = {bound.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}"));
            }
            chain = sigmoids = tanhs = 0;
            chainStart = null;
            chainEnd = null;
        }

        foreach (var declaration in spec.Layers)
        {
            var layer = declaration.Spec;
            if (layer.Kind is LayerKind.Conv2D or LayerKind.Dense) trainable.Add(layer.Name);
            var act = layer.Activation;
            if (act == ActKind.Step && trainable.Count > 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepOnTrainablePath, declaration.Location, layer.Name, string.Join(", ", trainable)));
            if (act is ActKind.Sigmoid or ActKind.Tanh)
            {
                chain++;
                if (act == ActKind.Sigmoid) sigmoids++; else tanhs++;
                chainStart ??= layer.Name;
                chainEnd = declaration;
            }
            else if (act != ActKind.None)
            {
                CloseChain();
            }
        }
        CloseChain();
    }

    /// <summary>FNV-1a 64 over a canonical description: input, loss and each node's kind, options and output shape.</summary>
    private static string Hash(NetworkSpec spec, List<NodePlan> nodes)
    {
        var text = new StringBuilder();
        text.Append("input=").Append(ShapeMath.Format(spec.InputShape)).Append(";loss=").Append(spec.Loss).Append(';');
        foreach (var node in nodes)
        {
            var l = node.Layer;
            text.Append(l.Name).Append(':').Append(l.Kind).Append('(')
                .Append(string.Join(",", l.Units, l.KernelH, l.KernelW, l.StrideH, l.StrideW, l.PadH, l.PadW, l.DilationH, l.DilationW, l.Groups, l.Bias, l.Activation,
                    l.LeakySlope.ToString("R", System.Globalization.CultureInfo.InvariantCulture), l.Rate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), l.CountIncludePad,
                    string.Join("+", l.Inputs)))
                .Append(")->").Append(ShapeMath.Format(node.OutputShape)).Append(';');
        }
        ulong hash = 14695981039346656037UL;
        foreach (char c in text.ToString())
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash.ToString("x16");
    }
}
