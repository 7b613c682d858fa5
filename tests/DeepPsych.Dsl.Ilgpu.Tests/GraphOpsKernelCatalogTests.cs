namespace DeepPsych.Dsl.Ilgpu.Tests;

/// <summary>The graph-network op families are in the kernel catalog, so <see cref="KernelCompilationTests"/> compiles every one
/// of their kernels to PTX (sm_70, sm_90) and OpenCL C; their launchers (Accelerator first) are not kernels and stay out.</summary>
public sealed class GraphOpsKernelCatalogTests
{
    [Fact]
    public void Every_graph_op_kernel_is_in_the_catalog_and_no_launcher_is()
    {
        var names = IlgpuKernels.Catalog().Select(k => k.Name).ToHashSet();
        string[] expected =
        [
            "BatchNormKernels.SumPartials", "BatchNormKernels.Mean", "BatchNormKernels.SquarePartials", "BatchNormKernels.Statistics", "BatchNormKernels.BackwardPartials", "BatchNormKernels.Normalize", "BatchNormKernels.Inference", "BatchNormKernels.BackwardReduce", "BatchNormKernels.BackwardData",
            "LocalResponseNormKernels.Forward", "LocalResponseNormKernels.Backward",
            "AdaptiveAvgPool2DKernels.Forward", "AdaptiveAvgPool2DKernels.Backward",
            "SpatialPyramidPoolKernels.LevelForward", "SpatialPyramidPoolKernels.LevelBackward",
            "ElementwiseKernels.Add", "ConcatKernels.Forward", "ConcatKernels.Backward",
            "SoftmaxKernels.Forward", "SoftmaxKernels.Backward", "SoftmaxKernels.LogForward", "SoftmaxKernels.LogBackward",
            "WeightedLossKernels.SoftmaxCrossEntropy",
        ];
        foreach (var name in expected) Assert.Contains(name, names);
        Assert.DoesNotContain("BatchNormKernels.ForwardTraining", names);
    }
}
