using System.Linq;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Diagnostics;

/// <summary>Every diagnostic the generator reports, with sequential ids. Each message names the layer, the shapes
/// involved and the fix. Adding one: give it the next id, add it to AnalyzerReleases.Unshipped.md, and write exactly
/// one test for it in tests/DeepPsych.Dsl.Generators.Tests/Diagnostics/DiagnosticTests.cs.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "DeepPsych.Dsl";

    /// <summary>Where each id's page lives: docs/diagnostics/&lt;id&gt;.md in the repository named by the build
    /// (Directory.Build.props' RepositoryUrl, stamped into this assembly by the project file). Declared before the
    /// descriptors so it is initialised first.</summary>
    private static readonly string HelpLinkBase =
        typeof(DiagnosticDescriptors).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "DiagnosticsHelpLinkBase")?.Value ?? "";

    /// <summary>The help link of a diagnostic id: every descriptor gets its page from here, new ids included.</summary>
    public static string HelpLink(string id) => HelpLinkBase + id + ".md";

    private static DiagnosticDescriptor Error(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    private static DiagnosticDescriptor Warning(string id, string title, string message)
        => new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink(id));

    public static readonly DiagnosticDescriptor NetworkNotPartial = Error("DPD0001",
        "Network class must be partial",
        "Network '{0}' must be declared partial so the generator can add its forward and backward passes; add the 'partial' modifier");

    public static readonly DiagnosticDescriptor InvalidInputShape = Error("DPD0002",
        "Network input shape is missing or invalid",
        "Network '{0}': {1}; declare Input = new[] {{ channels, height, width }} for images or new[] {{ features }} for vectors, every size > 0");

    public static readonly DiagnosticDescriptor KernelDoesNotFit = Error("DPD0003",
        "Kernel does not fit the input",
        "{0}: kernel {1} (dilated extent {2}) does not fit the {3} input ({4} {5}, padding {6}); reduce Kernel or Dilation, or add Padding");

    public static readonly DiagnosticDescriptor OutputSizeNotPositive = Error("DPD0004",
        "Layer output size is not positive",
        "{0}: output size {1} is not positive (input {2} {3}); declare at least one output channel or unit");

    public static readonly DiagnosticDescriptor StrideDropsInput = Warning("DPD0005",
        "Stride does not tile the input; the last rows or columns are never read",
        "{0}: stride {1} does not tile the padded {2} input ({3} {4}, padding {5}) with kernel extent {6}, so the output never sees the last {7} of it; adjust Padding, Kernel or Stride, or accept the loss explicitly");

    public static readonly DiagnosticDescriptor InvalidGeometry = Error("DPD0006",
        "Stride, dilation, groups or padding is invalid",
        "{0}: {1} = {2} is invalid ({3}); {4}");

    public static readonly DiagnosticDescriptor ChannelsNotDivisibleByGroups = Error("DPD0007",
        "Channels are not divisible by groups",
        "{0}: {1} channels {2} are not divisible by Groups = {3} (input {4}); choose Groups dividing both in ({5}) and out ({6}) channels");

    public static readonly DiagnosticDescriptor StepOnTrainablePath = Warning("DPD0008",
        "Step activation on a trainable path",
        "{0}: the Step activation's derivative is 0 almost everywhere, so no gradient flows back through it to the trainable layers {1} and backpropagation cannot train them; use Sigmoid or ReLU to train, or keep Step for a fixed (untrained) perceptron");

    public static readonly DiagnosticDescriptor VanishingGradients = Warning("DPD0009",
        "A chain of saturating activations will make gradients vanish",
        "{0}: {1} saturating activations in a row ({2}); sigmoid's derivative is at most 0.25 and tanh's at most 1 and both go to 0 where units saturate, so the gradient reaching {3} is scaled by at most {4} and usually far less; use ReLU-family activations, fewer layers, or skip connections");

    public static readonly DiagnosticDescriptor DuplicateLayerName = Error("DPD0010",
        "Layer name is duplicated or reserved",
        "Layer '{0}' {1}; rename the property");

    public static readonly DiagnosticDescriptor UnknownLayer = Error("DPD0011",
        "Unknown layer",
        "{0}: {1}; {2}");

    public static readonly DiagnosticDescriptor LayerTypeMismatch = Error("DPD0012",
        "Layer property type does not match its attribute",
        "{0}: a [{1}] layer must be declared as 'public partial {2} {0} {{ get; }}', not as '{3}'");

    public static readonly DiagnosticDescriptor LayerPropertyNotPartial = Error("DPD0013",
        "Layer property must be a partial, get-only instance property",
        "{0}: layer properties must be declared 'partial' with only a getter and no body ({1}); write 'public partial {2} {0} {{ get; }}'");

    public static readonly DiagnosticDescriptor InvalidOption = Error("DPD0014",
        "Layer option is out of range",
        "{0}: {1} = {2} is out of range; {3}");

    public static readonly DiagnosticDescriptor RankMismatch = Error("DPD0015",
        "Layer needs a different input rank",
        "{0}: {1} needs a {2} input but gets {3} ({4}); {5}");

    public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Error("DPD0016",
        "Loss does not fit the network output",
        "Network '{0}': {1} needs {2}, but the output is {3} (after {4}); {5}");

    public static readonly DiagnosticDescriptor NoLayers = Error("DPD0017",
        "Network has no layers",
        "Network '{0}' declares no layers; add attributed partial properties such as [Dense(10)] public partial Dense Output {{ get; }}");

    public static readonly DiagnosticDescriptor NetworkNotAClass = Error("DPD0030",
        "A [Network] must be a class",
        "Network '{0}' is declared as a {1}; the generator supports [Network] on classes only: declare it 'partial class {0}'");

    public static readonly DiagnosticDescriptor UnsupportedNetworkDeclaration = Error("DPD0031",
        "Network declaration is not supported",
        "Network '{0}' {1}; {2}");

    public static readonly DiagnosticDescriptor LayerOutsideNetwork = Error("DPD0032",
        "Layer attribute outside a [Network] class",
        "{0}: the layer attribute [{1}] is on a property of {2} '{3}', which has no [Network] attribute, so no code is generated for it; add [Network(Input = new[] {{ ... }})] to '{3}' (a partial class) or remove the attribute");
    // Forward(Tensor) graphs (docs/graphs.md). Ids from 20 leave 18-19 to the layer kinds being added beside them.

    public static readonly DiagnosticDescriptor AddShapeMismatch = Error("DPD0020",
        "Residual '+' adds values of different shapes",
        "{0}: '+' adds {1} ({2}) and {3} ({4}), but a residual sum needs the same shape on both sides; project one side to the other's shape (e.g. a 1x1 Conv2D with the right channels and stride) before adding");

    public static readonly DiagnosticDescriptor ConcatShapeMismatch = Error("DPD0021",
        "Concat of values with different heights or widths",
        "{0}: Concat joins channels, so every value needs the same height and width, but {1} ({2}) and {3} ({4}) differ; pad or pool the branches to the same height x width");

    public static readonly DiagnosticDescriptor LayerUnused = Error("DPD0022",
        "Forward never uses a declared layer",
        "Layer '{0}' is declared but Forward never calls {0}.Forward(...), so it would have parameters that nothing trains; use it in Forward or remove the property");

    public static readonly DiagnosticDescriptor LayerUsedTwice = Error("DPD0023",
        "Forward uses a layer twice",
        "Layer '{0}' is called twice in Forward; a layer's weights belong to its property, so sharing them between two places is not supported; declare a second layer property for the second call");

    public static readonly DiagnosticDescriptor UnsupportedForwardExpression = Error("DPD0024",
        "Unsupported expression in Forward",
        "Forward: '{0}' is not supported ({1}); write Forward with layer calls (Conv1.Forward(x)), '+', Concat(...), Flatten(...), activation functions (ReLU(...)), locals (var a = ...;) and one return");

    // Robustness (issue #9): names the generated code would clash on, values outside an enum, sizes past int.MaxValue.

    public static readonly DiagnosticDescriptor NameCollidesWithGenerated = Error("DPD0040",
        "A name collides with a member the generator declares",
        "Network '{0}': the name '{1}' is both {2} and, in the generated code, {3}; rename {4}");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("DPD0041",
        "Option value is not a member of its enum",
        "{0}: {1} = {2} is not a member of {3}; use one of {4}");

    public static readonly DiagnosticDescriptor SizePastIntMaxValue = Error("DPD0042",
        "Size is past int.MaxValue",
        "{0}: {1} is {2}, past int.MaxValue ({3}): shapes, offsets and span lengths are ints; {4}");

    // Window, pooling, output-layer and loss options: ids from 60 (40-42 are the generator-robustness ids, 50-52 blocks).

    public static readonly DiagnosticDescriptor PaddingDeclaredTwice = Error("DPD0060",
        "Symmetric and per-side padding declared together",
        "{0}: declares {1} and per-side padding (PadTop/PadLeft/PadBottom/PadRight, here {2} as top,left,bottom,right); declare one of them: the symmetric option, or the four sides");

    public static readonly DiagnosticDescriptor PyramidLevelTooLarge = Error("DPD0061",
        "Spatial pyramid level larger than the input",
        "{0}: pyramid level {1} needs at least {1}x{1} input cells but gets {2} ({3} {4}); the largest level that fits is {5}; use levels of at most {5}, or pool less before this layer");

    public static readonly DiagnosticDescriptor SoftmaxBeforeSoftmaxLoss = Error("DPD0062",
        "Softmax output layer in front of the softmax cross-entropy loss",
        "{0}: [{1}] outputs probabilities, but network '{2}' trains with Loss.SoftmaxCrossEntropy, which applies its own softmax, so softmax would be applied twice; declare [LogSoftmax] instead (PyTorch's log_softmax + nll_loss: the same loss, and Forward returns log-probabilities), or remove [{1}] and apply SoftmaxOp.Forward to the outputs, or train with Loss.MeanSquaredError");

    public static readonly DiagnosticDescriptor LossWeightingDoesNotFit = Error("DPD0063",
        "Class weights or ignore index do not fit the loss",
        "Network '{0}': {1}; {2}");

    // [Block] classes (docs/graphs.md): ids from 50, beside the graph ids.
    public static readonly DiagnosticDescriptor BlockUseNotSupported = Error("DPD0050",
        "Block property cannot be used",
        "Block property '{0}' ({1}): {2}");

    public static readonly DiagnosticDescriptor BlockBindInvalid = Error("DPD0051",
        "Block layer Bind is invalid",
        "{0}: Bind = \"{1}\" cannot be evaluated: {2}; write Bind = \"Option = expression, ...\" with the attribute's option names and the block's constructor parameters");

    public static readonly DiagnosticDescriptor BlockDeclarationNotSupported = Error("DPD0052",
        "Block declaration is not supported",
        "Block '{0}' {1}; {2}");

    public static readonly DiagnosticDescriptor InternalError = Error("DPD0099",
        "The DeepPsych.Dsl generator failed",
        "The generator failed on '{0}': {1}. This is a bug in DeepPsych.Dsl; please report it with this message. Stack: {2}");
}
