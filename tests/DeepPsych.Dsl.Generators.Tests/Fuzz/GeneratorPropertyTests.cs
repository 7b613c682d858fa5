using Xunit.Abstractions;

namespace DeepPsych.Dsl.Generators.Tests.Fuzz;

/// <summary>The generator's property test (issue #9): seeded random declarations, each checked against
/// <see cref="GeneratorProperty"/>. CI runs <see cref="DefaultCases"/> cases; the soak sets
/// DEEPPSYCH_GENERATOR_FUZZ_CASES=100000 (and optionally DEEPPSYCH_GENERATOR_FUZZ_SEED, the first seed, and
/// DEEPPSYCH_GENERATOR_FUZZ_PROGRESS, a file that gets a line of counts every 500 seeds).</summary>
public sealed class GeneratorPropertyTests(ITestOutputHelper output)
{
    public const int DefaultCases = 2000;

    private static int Setting(string name, int fallback)
        => int.TryParse(Environment.GetEnvironmentVariable(name), out int value) ? value : fallback;

    [Fact]
    public void Random_declarations_keep_the_generators_promises()
    {
        int cases = Setting("DEEPPSYCH_GENERATOR_FUZZ_CASES", DefaultCases), first = Setting("DEEPPSYCH_GENERATOR_FUZZ_SEED", 0);
        var skipped = new Dictionary<string, int>();
        var failures = new List<string>();
        var kinds = new Dictionary<string, int>();
        int checkedCases = 0, violations = 0;
        string? progress = Environment.GetEnvironmentVariable("DEEPPSYCH_GENERATOR_FUZZ_PROGRESS");
        for (int seed = first; seed < first + cases; seed++)
        {
            if (progress is not null && (seed - first) % 500 == 0 && seed > first)
                File.AppendAllText(progress, $"{DateTime.UtcNow:HH:mm:ss} seeds {first}..{seed - 1}: {checkedCases} checked, {seed - first - checkedCases} skipped as known gaps, {violations} violations\n");
            var c = DeclarationFuzzer.Case(seed);
            if (KnownGaps.Find(c) is { } gap)
            {
                skipped[gap.Name] = skipped.GetValueOrDefault(gap.Name) + 1;
                continue;
            }
            checkedCases++;
            var violation = GeneratorProperty.Check(c.Source);
            if (violation is null) continue;
            violations++;
            if (progress is not null) File.AppendAllText(progress, $"seed {seed}: {violation}\n");
            kinds[violation.Kind] = kinds.GetValueOrDefault(violation.Kind) + 1;
            if (kinds[violation.Kind] <= 2 && failures.Count < 30)
                failures.Add($"seed {seed}: {violation}\n[{string.Join(", ", c.Features.Order())}]\n--- shrunk ---\n{GeneratorProperty.Shrink(c.Source, violation)}\n");
        }
        output.WriteLine($"{checkedCases} cases checked (seeds {first}..{first + cases - 1}); skipped as known gaps: " +
            (skipped.Count == 0 ? "none" : string.Join(", ", skipped.Select(s => $"{s.Key} {s.Value}"))));
        output.WriteLine("violations by kind: " + string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}")));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Each known gap's reproducer still violates the property as recorded; when one passes, the gap is fixed:
    /// delete its entry so that the property test covers those inputs again. (A fact over the list, so that an empty
    /// list, every gap fixed, is fine.)</summary>
    [Fact]
    public void Known_gaps_still_reproduce()
    {
        foreach (var gap in KnownGaps.All)
        {
            var violation = GeneratorProperty.Check(gap.Reproducer);
            Assert.True(violation is not null, $"Fixed: '{gap.Name}' no longer reproduces. Delete it from KnownGaps.All.");
            Assert.StartsWith(gap.Violation, violation!.Kind);
        }
    }

    /// <summary>Each accepted invalid network still gets no DPD error; when one does, delete its entry and keep its
    /// reproducer as a diagnostic test instead.</summary>
    [Fact]
    public void Accepted_invalid_networks_are_still_accepted()
    {
        foreach (var (name, reproducer) in KnownGaps.AcceptedInvalid)
        {
            var result = GeneratorHarness.Run(reproducer);
            Assert.False(result.GeneratorDiagnostics.Any(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error),
                $"Fixed: '{name}' is now reported. Delete it from KnownGaps.AcceptedInvalid and keep the reproducer as a diagnostic test.");
        }
    }
}
