namespace DeepPsych.Dsl.Generators.Tests.Fuzz;

/// <summary>Classes of input that still break the generator's promises, each named by the fuzzer features that produce
/// it (none when the fuzzer cannot generate it yet, e.g. [Block] classes) and kept with a minimal reproducer and the
/// violation it shows. The property test skips exactly the cases with those features;
/// <see cref="GeneratorPropertyTests.Known_gaps_still_reproduce"/> fails once a gap is fixed, so that its entry is
/// deleted (and kept as a regression test) and the property covers those inputs again.</summary>
public static class KnownGaps
{
    /// <param name="Name">What is wrong, and where it is to be fixed.</param>
    /// <param name="Features">A case with any of these fuzzer features is skipped.</param>
    /// <param name="Reproducer">A minimal input that violates the property.</param>
    /// <param name="Violation">The start of the violation's kind it shows (e.g. <c>error CS0102</c>).</param>
    public sealed record Gap(string Name, string[] Features, string Reproducer, string Violation);

    public static readonly Gap[] All =
    [
        // Found by probing [Block] classes by hand (the fuzzer generates no blocks yet, so no feature names them).
        new("Parsing/Planning ([Block]): an error inside a block's inlined graph (a node's size, here DPD0042 for Units = int.MaxValue) is reported on the block's layer only; the network that uses it gets neither code nor a diagnostic of its own (the user sees CS9248 on its layers). Report it on the use (the block property's new(...)) as well",
            [],
            """
            using DeepPsych.Dsl;
            [Block]
            public partial class Unit(int width)
            {
                [Dense(Bind = "Units = width")] public partial Dense D { get; }
                public Tensor Forward(Tensor x) => D.Forward(x);
            }
            [Network(Input = new[] { 2 })]
            public partial class Net
            {
                public Unit U { get; } = new(int.MaxValue);
                [Dense(2)] public partial Dense Out { get; }
                public Tensor Forward(Tensor x) => Out.Forward(U.Forward(x));
            }
            """, "silent"),
        new("Parsing ([Block]): a network layer named like a block layer's C# stem (U_D for layer D of block property U) is DPD0024 on the block's Forward, not in the network that declares the clashing layer",
            [],
            """
            using DeepPsych.Dsl;
            [Block]
            public partial class Unit(int width)
            {
                [Dense(Bind = "Units = width")] public partial Dense D { get; }
                public Tensor Forward(Tensor x) => D.Forward(x);
            }
            [Network(Input = new[] { 2 })]
            public partial class Net
            {
                public Unit U { get; } = new(3);
                [Dense(2)] public partial Dense U_D { get; }
                public Tensor Forward(Tensor x) => U_D.Forward(U.Forward(x));
            }
            """, "silent"),
    ];

    /// <summary>Invalid networks the generator accepts without a diagnostic: the generated code compiles, so the
    /// property cannot see them, and the runtime (or the compiler, for sizes past int.MaxValue) fails later.
    /// <see cref="GeneratorPropertyTests.Accepted_invalid_networks_are_still_accepted"/> fails once one is reported.</summary>
    public static readonly (string Name, string Reproducer)[] AcceptedInvalid = [];

    public static Gap? Find(FuzzCase c) => All.FirstOrDefault(g => g.Features.Any(c.Features.Contains));
}
