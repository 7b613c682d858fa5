using System.Text;

namespace DeepPsych.Dsl.Generators.Planning;

/// <summary>Stage 3: the graph, shapes for every node, then the parameter layout (one block, each layer's tensors in
/// declaration order), initialisers, FLOPs, the backward schedule with its gradient buffers, the architecture hash,
/// and the training-signal warnings (DPD0008, DPD0009).</summary>
internal static class Planner
{
    /// <summary>Saturating activations in a row before DPD0009 warns. Five sigmoids bound the gradient by 0.25^5 ≈ 1e-3.</summary>
    internal const int VanishingChainLength = 5;

    public static PlanResult Plan(ParseResult parsed)
    {
        var diagnostics = new List<DiagnosticInfo>(parsed.Diagnostics);
        PlanResult TooLarge(DiagnosticInfo size)
        {
            diagnostics.Add(size);
            return new PlanResult(null, diagnostics.ToEquatableArray());
        }
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
        if (!SizeLimits.Fits(SizeLimits.Count(input)))
            return TooLarge(SizeLimits.Report(spec.Location, $"Network '{spec.ClassName}'", $"the input {ShapeMath.Format(input)}", SizeLimits.Count(input),
                "floats per sample", "declare a smaller Input"));
        if (spec.Layers.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, spec.Location, spec.ClassName));
            return new PlanResult(null, diagnostics.ToEquatableArray());
        }

        var graph = Graph(spec);
        var (shapes, failed) = ShapeInference.Infer(spec, graph, input, diagnostics);
        int outputNode = graph.TopologicalOrder[graph.TopologicalOrder.Count - 1];

        if (!failed)
        {
            var last = shapes[outputNode];
            var lastLayer = spec.Layers[outputNode];
            if (spec.Loss == Loss.SoftmaxCrossEntropy && (last.Length != 1 || last[0] < 2))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFitOutput, lastLayer.Location ?? spec.Location,
                    spec.ClassName, "SoftmaxCrossEntropy", "a vector of at least 2 class scores", ShapeMath.Format(last), lastLayer.Spec.Name,
                    last.Length != 1 ? "end with a Dense layer (or GlobalAvgPool) that outputs one score per class" : "use at least 2 classes, or Loss = Loss.MeanSquaredError for one output"));
                failed = true;
            }
            else if (spec.Weighting is { } weighting && LossWeightingProblem(spec.Loss, weighting, last[0]) is { } problem)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossWeightingDoesNotFit, spec.Location, spec.ClassName, problem.What, problem.Fix));
                failed = true;
            }
            else if (spec.Loss == Loss.SoftmaxCrossEntropy && lastLayer.Spec.Options.OutputsProbabilities)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SoftmaxBeforeSoftmaxLoss, lastLayer.Location ?? spec.Location,
                    lastLayer.Spec.Name, lastLayer.Spec.Options.Kind.Name, spec.ClassName));
                failed = true;
            }
        }

        TrainingSignalWarnings(spec, graph, diagnostics);
        if (failed || diagnostics.Any(d => d.IsError)) return new PlanResult(null, diagnostics.ToEquatableArray());

        // Parameter layout and costs, in declaration order.
        var nodes = new List<NodePlan>();
        int offset = 0, bufferOffset = 0, counters = 0;
        long flops = 0;
        for (int i = 0; i < spec.Layers.Length; i++)
        {
            var layer = spec.Layers[i].Spec;
            var inShapes = graph.Inputs(i).Select(v => v == NetworkGraph.NetworkInput ? input : shapes[v]).ToArray();
            var outShape = shapes[i];
            var init = ResolveInit(spec, graph, i);
            var nodeShapes = new LayerShapes(inShapes, outShape);
            var parameters = new List<ParameterPlan>();
            foreach (var p in layer.Options.Parameters(nodeShapes))
            {
                var plan = new ParameterPlan(layer.Name, p.Suffix, p.Shape.ToEquatableArray(), offset, 0, p.FanIn, p.FanOut, init, layer.Path);
                var count = SizeLimits.Count(p.Shape);
                if (!SizeLimits.Fits(count))
                    return TooLarge(SizeLimits.Report(spec.Layers[i].Location, layer.DisplayName, $"the parameter tensor {plan.Name} [{string.Join(", ", p.Shape)}]", count,
                        "floats", "use fewer units or channels, or a smaller input to this layer (pool or stride before it)"));
                if (!SizeLimits.Fits(offset + count))
                    return TooLarge(SizeLimits.Report(spec.Location, $"Network '{spec.ClassName}'", $"the parameter block up to {plan.Name} (all parameters live in one float[])",
                        offset + count, "floats", "use fewer or smaller layers"));
                plan = plan with { Length = (int)count };
                offset += plan.Length;
                parameters.Add(plan);
            }
            var buffers = new List<BufferTensorPlan>();
            foreach (var b in layer.Options.Buffers(nodeShapes))
            {
                int length = ShapeMath.Product(b.Shape);
                buffers.Add(new BufferTensorPlan(layer.Name, b.Suffix, b.Shape.ToEquatableArray(), b.IsInt64 ? counters++ : bufferOffset, length, b.InitialValue, b.IsInt64, layer.Path));
                if (!b.IsInt64) bufferOffset += length;
            }
            long cost = layer.Options.Flops(nodeShapes);
            flops += cost;
            nodes.Add(new NodePlan(layer, inShapes.Select(s => s.ToEquatableArray()).ToEquatableArray(), outShape.ToEquatableArray(), parameters.ToEquatableArray(), cost, buffers.ToEquatableArray()));
        }

        var backward = GradientPlanner.Plan(graph, outputNode, n => nodes[n].HasParameters, n => nodes[n].Options.GradientInPlace, v => nodes[v].OutputLength);
        var networkPlan = new NetworkPlan(spec.Namespace, spec.ContainingTypes, spec.ClassName, spec.Accessibility, spec.InputShape, spec.Loss,
            nodes.ToEquatableArray(), graph.TopologicalOrder.ToEquatableArray(), outputNode, backward, offset, flops, Hash(spec, nodes), spec.Blocks, spec.Weighting,
            BatchNormFolds(nodes, outputNode), spec.IsAbstract);
        return new PlanResult(networkPlan, diagnostics.ToEquatableArray());
    }

    /// <summary>The one place that decides which BatchNorms an inference snapshot folds: a BatchNorm whose input is the
    /// output of a layer that is affine per output channel (<see cref="LayerOptions.AffinePerOutputChannel"/>: Conv2D or
    /// Dense without a fused activation) when nothing else reads that output (not an Add beside it, not the network
    /// output), so the folded layer may write the BatchNorm's output in its place. A BatchNorm after an activation, on the
    /// network input, or after a layer whose output is also used elsewhere stays a BatchNorm pass.</summary>
    private static EquatableArray<BatchNormFold> BatchNormFolds(IReadOnlyList<NodePlan> nodes, int outputNode)
    {
        var folds = new List<BatchNormFold>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Options is not BatchNormOptions || nodes[i].Layer.Inputs.Length != 1) continue;
            int layer = nodes[i].Layer.Inputs[0];
            if (layer == NetworkGraph.NetworkInput || layer == outputNode || !nodes[layer].Options.AffinePerOutputChannel) continue;
            if (nodes.Count(n => n.Layer.Inputs.Contains(layer)) == 1) folds.Add(new BatchNormFold(layer, i));
        }
        return folds.ToEquatableArray();
    }

    /// <summary>Why declared class weights / ignore index do not fit the network (DPD0063), or null: they belong to the softmax
    /// cross-entropy, with one finite, non-negative weight per class and not all zero.</summary>
    private static (string What, string Fix)? LossWeightingProblem(Loss loss, LossWeighting weighting, int classes)
    {
        var w = weighting.ClassWeights;
        if (loss != Loss.SoftmaxCrossEntropy)
            return ($"ClassWeights and IgnoreIndex belong to Loss.SoftmaxCrossEntropy, but the loss is {loss}", "remove them, or train with Loss = Loss.SoftmaxCrossEntropy");
        if (w.Length != 0 && w.Length != classes)
            return ($"ClassWeights has {w.Length} weights but the output has {classes} classes", $"give exactly {classes} weights, one per class in label order");
        for (int i = 0; i < w.Length; i++)
            if (!(w[i] >= 0) || float.IsInfinity(w[i]))
                return ($"ClassWeights[{i}] = {w[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)} is not a finite weight of at least 0", "use finite weights >= 0 (e.g. inverse class frequencies)");
        if (w.Length != 0 && w.All(v => v == 0))
            return ("every ClassWeights entry is 0, so every loss would be 0/0", "give at least one class a positive weight");
        return null;
    }

    /// <summary>The graph of the declared layers. Its checks guard the generator's own wiring (the parser connects
    /// layers; no attribute can name inputs yet), so a problem here is a generator bug and surfaces as DPD0099.</summary>
    private static NetworkGraph Graph(NetworkSpec spec)
    {
        var graph = new NetworkGraph(spec.Layers.Select(l => (IReadOnlyList<int>)l.Spec.Inputs.Items).ToList());
        if (graph.Problem is not null) throw new InvalidOperationException($"{spec.ClassName}: {graph.Problem}");
        if (graph.HasCycle) throw new InvalidOperationException($"{spec.ClassName}: the layers' inputs form a cycle");
        foreach (var layer in spec.Layers.Select(l => l.Spec))
            if (layer.Inputs.Length != layer.Options.Arity)
                throw new InvalidOperationException($"{spec.ClassName}.{layer.Name}: {layer.Options.Kind.Name} reads {layer.Options.Arity} input(s) but is wired to {layer.Inputs.Length}");
        return graph;
    }

    /// <summary>Auto → He when the layer's activation (fused, or a standalone activation that is its only consumer) is
    /// in the ReLU family; Xavier/Glorot otherwise.</summary>
    private static Init ResolveInit(NetworkSpec spec, NetworkGraph graph, int index)
    {
        var options = spec.Layers[index].Spec.Options;
        if (options.DeclaredInit != Init.Auto) return options.DeclaredInit;
        var act = options.Applied.Function;
        var consumers = graph.Consumers(index);
        if (act == Act.None && consumers.Count == 1 && spec.Layers[consumers[0]].Spec.Options.IsStandaloneActivation)
            act = spec.Layers[consumers[0]].Spec.Options.Applied.Function;
        return act is Act.ReLU or Act.LeakyReLU or Act.Softplus ? Init.He : Init.Xavier;
    }

    /// <summary>DPD0008 (Step behind trainable layers) and DPD0009 (long chains of saturating activations, counted in
    /// declaration order).</summary>
    private static void TrainingSignalWarnings(NetworkSpec spec, NetworkGraph graph, List<DiagnosticInfo> diagnostics)
    {
        int chain = 0, sigmoids = 0, tanhs = 0;
        string? chainStart = null;
        LayerDeclaration? chainEnd = null;
        int chainEndIndex = -1;

        void CloseChain()
        {
            if (chain >= VanishingChainLength && chainEnd is not null)
            {
                double bound = Math.Pow(0.25, sigmoids);
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VanishingGradients, chainEnd.Location, chainEnd.Spec.DisplayName, chain,
                    $"sigmoid x{sigmoids}, tanh x{tanhs}, from {chainStart} to {chainEnd.Spec.DisplayName}", chainStart!,
                    $"0.25^{sigmoids} = {bound.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)}"));
            }
            chain = sigmoids = tanhs = 0;
            chainStart = null;
            chainEnd = null;
            chainEndIndex = -1;
        }

        for (int i = 0; i < spec.Layers.Length; i++)
        {
            var declaration = spec.Layers[i];
            var act = declaration.Spec.Options.Applied.Function;
            if (act == Act.Step)
            {
                var trainable = graph.Ancestors(i).Concat(new[] { i }).Where(n => spec.Layers[n].Spec.Options.Trainable).Select(n => spec.Layers[n].Spec.DisplayName).ToList();
                if (trainable.Count > 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepOnTrainablePath, declaration.Location, declaration.Spec.DisplayName, string.Join(", ", trainable)));
            }
            if (act is Act.Sigmoid or Act.Tanh)
            {
                // A chain follows a path: a saturating layer on a parallel branch (an inception module's) starts its own.
                if (chainEndIndex >= 0 && !graph.Ancestors(i).Contains(chainEndIndex)) CloseChain();
                chainEndIndex = i;
                chain++;
                if (act == Act.Sigmoid) sigmoids++; else tanhs++;
                chainStart ??= declaration.Spec.DisplayName;
                chainEnd = declaration;
            }
            else if (act != Act.None)
            {
                CloseChain();
            }
        }
        CloseChain();
    }

    /// <summary>FNV-1a 64 over a canonical description: input, loss and each node's kind, options, inputs and output shape.</summary>
    private static string Hash(NetworkSpec spec, List<NodePlan> nodes)
    {
        var text = new StringBuilder();
        text.Append("input=").Append(ShapeMath.Format(spec.InputShape)).Append(";loss=").Append(spec.Loss).Append(';');
        foreach (var node in nodes)
        {
            text.Append(node.Path).Append(':').Append(node.Options.Kind.Name).Append('(').Append(node.Options.HashText).Append(',')
                .Append(string.Join("+", node.Layer.Inputs)).Append(")->").Append(ShapeMath.Format(node.OutputShape)).Append(';');
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
