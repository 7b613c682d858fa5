using Microsoft.CodeAnalysis.CodeFixes;

namespace DeepPsych.Dsl.CodeFixes.Tests;

/// <summary>Each fix turns code the generator rejects into code it accepts: the exact edit is checked, then the fixed
/// document goes through the generator again (no DPD diagnostic) and compiles with the generated code (no error).</summary>
public class CodeFixTests
{
    private static async Task AssertFixed(CodeFixProvider fix, string before, string id, string expectedTitle, string after)
    {
        var (title, fixedDocument) = await CodeFixHarness.Apply(fix, before, id);
        Assert.Equal(expectedTitle, title);
        Assert.Equal("using DeepPsych.Dsl;\n" + after.ReplaceLineEndings("\n"), (await CodeFixHarness.Text(fixedDocument)).ReplaceLineEndings("\n"));
        var (diagnostics, errors) = await CodeFixHarness.RunGenerator(fixedDocument);
        Assert.Empty(diagnostics);
        Assert.Empty(errors);
    }

    [Fact]
    public Task DPD0001_makes_the_class_and_the_classes_around_it_partial() => AssertFixed(new MakePartialCodeFix(), """
        public static class Models
        {
            /// <summary>XOR.</summary>
            [Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
            public sealed class Xor
            {
                [Dense(1)] public partial Dense Out { get; }
            }
        }
        """, "DPD0001", "Make the network class partial", """
        public static partial class Models
        {
            /// <summary>XOR.</summary>
            [Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
            public sealed partial class Xor
            {
                [Dense(1)] public partial Dense Out { get; }
            }
        }
        """);

    [Fact]
    public Task DPD0001_adds_partial_where_there_are_no_modifiers() => AssertFixed(new MakePartialCodeFix(), """
        [Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
        class Xor
        {
            [Dense(1)] public partial Dense Out { get; }
        }
        """, "DPD0001", "Make the network class partial", """
        [Network(Input = new[] { 2 }, Loss = Loss.MeanSquaredError)]
        partial class Xor
        {
            [Dense(1)] public partial Dense Out { get; }
        }
        """);

    [Fact]
    public Task DPD0003_adds_the_smallest_padding_that_makes_the_kernel_fit() => AssertFixed(new AddPaddingCodeFix(), """
        [Network(Input = new[] { 1, 12, 12 })]
        public partial class Small
        {
            [Conv2D(6, Kernel = 5)]  public partial Conv2D C1 { get; }
            [MaxPool2D(2)]           public partial Pool S2 { get; }
            [Conv2D(16, Kernel = 5, Activation = Act.ReLU)] public partial Conv2D C3 { get; }
            [Dense(10)]              public partial Dense Out { get; }
        }
        """, "DPD0003", "Add Padding = 1 so the kernel fits", """
        [Network(Input = new[] { 1, 12, 12 })]
        public partial class Small
        {
            [Conv2D(6, Kernel = 5)]  public partial Conv2D C1 { get; }
            [MaxPool2D(2)]           public partial Pool S2 { get; }
            [Conv2D(16, Kernel = 5, Activation = Act.ReLU, Padding = 1)] public partial Conv2D C3 { get; }
            [Dense(10)]              public partial Dense Out { get; }
        }
        """);

    [Fact]
    public Task DPD0003_pads_each_axis_as_much_as_it_needs_and_replaces_the_old_padding() => AssertFixed(new AddPaddingCodeFix(), """
        [Network(Input = new[] { 1, 4, 9 })]
        public partial class Wide
        {
            [Conv2D(2, KernelH = 7, KernelW = 3, Padding = 1)] public partial Conv2D C1 { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0003", "Add PaddingH = 2, PaddingW = 1 so the kernel fits", """
        [Network(Input = new[] { 1, 4, 9 })]
        public partial class Wide
        {
            [Conv2D(2, KernelH = 7, KernelW = 3, PaddingH = 2, PaddingW = 1)] public partial Conv2D C1 { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """);

    [Fact]
    public Task DPD0003_pads_a_dilated_kernel_by_its_extent() => AssertFixed(new AddPaddingCodeFix(), """
        [Network(Input = new[] { 1, 4, 4 })]
        public partial class Dilated
        {
            [Conv2D(2, Kernel = 3, Dilation = 3)] public partial Conv2D C1 { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """, "DPD0003", "Add Padding = 2 so the kernel fits", """
        [Network(Input = new[] { 1, 4, 4 })]
        public partial class Dilated
        {
            [Conv2D(2, Kernel = 3, Dilation = 3, Padding = 2)] public partial Conv2D C1 { get; }
            [Dense(2)] public partial Dense Out { get; }
        }
        """);

    [Fact]
    public Task DPD0012_declares_the_property_with_the_type_its_attribute_needs() => AssertFixed(new ChangeLayerTypeCodeFix(), """
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class Mixed
        {
            [MaxPool2D(2)] public partial Dense S2 { get; }
            [Dense(2)]     public partial Dense Out { get; }
        }
        """, "DPD0012", "Declare S2 as Pool", """
        [Network(Input = new[] { 1, 8, 8 })]
        public partial class Mixed
        {
            [MaxPool2D(2)] public partial Pool S2 { get; }
            [Dense(2)]     public partial Dense Out { get; }
        }
        """);
}
