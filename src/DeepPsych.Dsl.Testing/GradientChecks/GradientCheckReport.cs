using System.Text;
using DeepPsych.Dsl.Testing.Internal;

namespace DeepPsych.Dsl.Testing;

/// <summary>One coordinate compared: the analytic gradient against the central difference.</summary>
public sealed record CoordinateCheck(int FlatIndex, IReadOnlyList<int> Index, double Analytic, double Numeric, double Step, bool Retried, bool Passed, double Allowed)
{
    /// <summary>|analytic − numeric| as a fraction of the allowed error (≤ 1 passes).</summary>
    public double ToleranceUsed => Skipped ? 0 : Allowed > 0 ? AbsoluteError / Allowed : (AbsoluteError == 0 ? 0 : double.PositiveInfinity);
    /// <summary>|analytic − numeric|.</summary>
    public double AbsoluteError => Math.Abs(Analytic - Numeric);
    /// <summary>|analytic − numeric| / max(|analytic|, |numeric|); 0 when both are 0.</summary>
    public double RelativeError => GradientCheckEngine.Relative(Analytic, Numeric);
    /// <summary>Skipped: not smooth even at the smallest step (a kink within ~1e-4·θ); <see cref="Passed"/> is then true.</summary>
    public bool Skipped { get; init; }
}

/// <summary>One random direction d: ∇L·d (analytic) against (L(θ+td) − L(θ−td)) / 2t (numeric).</summary>
public sealed record DirectionCheck(int Number, double Analytic, double Numeric, double Scale, bool Retried, bool Passed, double RelativeTolerance)
{
    /// <summary>The relative error as a fraction of the tolerance (≤ 1 passes).</summary>
    public double ToleranceUsed => Skipped ? 0 : RelativeError / RelativeTolerance;
    /// <summary>Skipped: not smooth even at the smallest step.</summary>
    public bool Skipped { get; init; }
    /// <summary>|analytic − numeric|.</summary>
    public double AbsoluteError => Math.Abs(Analytic - Numeric);
    /// <summary>|analytic − numeric| / max(|analytic|, |numeric|, typical size of ∇L·d).</summary>
    public double RelativeError => AbsoluteError / Math.Max(Math.Max(Math.Abs(Analytic), Math.Abs(Numeric)), Math.Max(Scale, double.Epsilon));
}

/// <summary>The check of one parameter tensor (or op input).</summary>
public sealed class TensorGradientReport
{
    internal TensorGradientReport(string name, IReadOnlyList<int> shape, int length, double gradientScale,
        IReadOnlyList<CoordinateCheck> coordinates, IReadOnlyList<DirectionCheck> directions, double maxSkippedFraction)
    {
        Name = name; Shape = shape; Length = length; GradientScale = gradientScale; Coordinates = coordinates; Directions = directions;
        var compared = coordinates.Where(c => !c.Skipped).ToList();
        Worst = compared.Count == 0 ? null : compared.MaxBy(c => (c.Passed ? 0 : 1, c.ToleranceUsed));
        MaxAbsoluteError = compared.Count == 0 ? 0 : compared.Max(c => c.AbsoluteError);
        MaxRelativeError = compared.Count == 0 ? 0 : compared.Max(c => c.RelativeError);
        _maxSkipped = maxSkippedFraction;
    }

    /// <summary>The tensor's name, e.g. <c>C1.weight</c>.</summary>
    public string Name { get; }
    /// <summary>Its shape.</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Its number of elements.</summary>
    public int Length { get; }
    /// <summary>max |analytic gradient| over the whole tensor (the unit of the absolute tolerance).</summary>
    public double GradientScale { get; }
    /// <summary>Every coordinate compared.</summary>
    public IReadOnlyList<CoordinateCheck> Coordinates { get; }
    /// <summary>The directional checks (large tensors only).</summary>
    public IReadOnlyList<DirectionCheck> Directions { get; }
    /// <summary>Whether only a sample of coordinates was compared.</summary>
    public bool Sampled => Coordinates.Count < Length;
    /// <summary>The worst coordinate: a failing one first, then the largest relative error.</summary>
    public CoordinateCheck? Worst { get; }
    /// <summary>Largest |analytic − numeric| over the compared coordinates.</summary>
    public double MaxAbsoluteError { get; }
    /// <summary>Largest relative error over the compared coordinates.</summary>
    public double MaxRelativeError { get; }
    /// <summary>The largest error as a fraction of what was allowed, over coordinates and directions: how close the
    /// tensor came to failing (≤ 1 passes). A correct float32 gradient typically uses well under 10%.</summary>
    public double ToleranceUsed => Coordinates.Select(c => c.ToleranceUsed).Concat(Directions.Select(d => d.ToleranceUsed)).DefaultIfEmpty(0).Max();
    /// <summary>Coordinates (and directions) compared at a smaller step because a kink (ReLU, max-pool) lay inside the first.</summary>
    public int NonSmooth => Coordinates.Count(c => c.Retried) + Directions.Count(d => d.Retried);
    /// <summary>Coordinates (and directions) skipped as non-differentiable.</summary>
    public int Skipped => Coordinates.Count(c => c.Skipped) + Directions.Count(d => d.Skipped);
    /// <summary>Whether more were skipped than <see cref="GradientCheckOptions.MaxSkippedFraction"/> allows.</summary>
    public bool TooManySkipped => Skipped > _maxSkipped * (Coordinates.Count + Directions.Count);
    private readonly double _maxSkipped;
    /// <summary>Failing coordinates.</summary>
    public int FailedCoordinates => Coordinates.Count(c => !c.Passed);
    /// <summary>Failing directions.</summary>
    public int FailedDirections => Directions.Count(d => !d.Passed);
    /// <summary>Whether every coordinate and direction passed.</summary>
    public bool Passed => FailedCoordinates == 0 && FailedDirections == 0 && !TooManySkipped;
}

/// <summary>The result of a gradient check: one <see cref="TensorGradientReport"/> per tensor, and the loss cross-check.
/// <see cref="ToString"/> is the readable table that <see cref="GradientCheckException"/> carries.</summary>
public sealed class GradientCheckReport
{
    internal GradientCheckReport(string subject, string setup, GradientCheckOptions options, IReadOnlyList<TensorGradientReport> tensors,
        double? networkLoss, double referenceLoss, string? lossName)
    {
        Subject = subject; Setup = setup; Options = options; Tensors = tensors;
        NetworkLoss = networkLoss; ReferenceLoss = referenceLoss; LossName = lossName;
    }

    /// <summary>What was checked (network or op name).</summary>
    public string Subject { get; }
    /// <summary>Batch, seed, parameters.</summary>
    public string Setup { get; }
    /// <summary>The options used.</summary>
    public GradientCheckOptions Options { get; }
    /// <summary>One report per tensor, in declaration order.</summary>
    public IReadOnlyList<TensorGradientReport> Tensors { get; }
    /// <summary>The mean loss the network returned (null for an op check).</summary>
    public double? NetworkLoss { get; }
    /// <summary>This library's loss of the same outputs, in double (for an op: Σ wₖ yₖ with seeded weights).</summary>
    public double ReferenceLoss { get; }
    private string? LossName { get; }

    /// <summary>Whether the returned loss agrees with the reference loss.</summary>
    public bool LossPassed => NetworkLoss is not double l || Math.Abs(l - ReferenceLoss) <= Options.LossTolerance * Math.Max(1.0, Math.Abs(ReferenceLoss));
    /// <summary>Whether everything passed.</summary>
    public bool Passed => LossPassed && Tensors.All(t => t.Passed);

    /// <summary>Throws <see cref="GradientCheckException"/> (with this report) when anything failed; returns this otherwise.</summary>
    public GradientCheckReport ThrowIfFailed() => Passed ? this : throw new GradientCheckException(this);

    /// <summary>The report as a table.</summary>
    public override string ToString()
    {
        var o = Options;
        var sb = new StringBuilder();
        sb.Append("Gradient check ").Append(Passed ? "passed" : "FAILED").Append(": ").AppendLine(Subject);
        sb.AppendLine(Setup);
        sb.Append("pass if |a − n| ≤ ").Append(Shapes.E(o.RelativeTolerance)).Append("·max(|a|,|n|) + ").Append(Shapes.E(o.AbsoluteTolerance))
          .Append("·max|a| per tensor + 6σ of loss noise; step h = ").Append(Shapes.E(o.StepFactor)).Append("·max(|θ|, rms θ, ").Append(o.MinimumScale.ToString(System.Globalization.CultureInfo.InvariantCulture)).AppendLine(")")
          .AppendLine("a kink (½(g(θ+h) + g(θ−h)) ≠ g(θ)) shrinks the step to h/4, h/16; still one at h/16: skipped as non-differentiable");
        if (NetworkLoss is double nl)
            sb.Append("loss (").Append(LossName).Append("): network ").Append(nl.ToString("0.0000000", System.Globalization.CultureInfo.InvariantCulture))
              .Append(", reference (double) ").Append(ReferenceLoss.ToString("0.0000000", System.Globalization.CultureInfo.InvariantCulture))
              .AppendLine(LossPassed ? "  ok" : "  MISMATCH");
        sb.AppendLine();

        var rows = new List<string[]> { new[] { "tensor", "shape", "checked", "max abs err", "max rel err", "worst index", "analytic", "numeric", "tol used", "result" } };
        foreach (var t in Tensors)
        {
            string check = t.Sampled ? $"{t.Coordinates.Count}/{t.Length} + {t.Directions.Count} dir" : $"{t.Coordinates.Count}/{t.Length}";
            string result = t.Passed ? "ok" : $"FAIL ({Fails(t)})";
            var notes = new List<string>();
            if (t.NonSmooth > 0) notes.Add($"{t.NonSmooth} kink{(t.NonSmooth == 1 ? "" : "s")}");
            if (t.Skipped > 0) notes.Add($"{t.Skipped} skipped");
            if (notes.Count > 0) result += " (" + string.Join(", ", notes) + ")";
            var w = t.Worst;
            rows.Add(new[]
            {
                t.Name, Shapes.Compact(t.Shape), check, Shapes.E(t.MaxAbsoluteError), Shapes.E(t.MaxRelativeError),
                w is null ? "-" : "[" + string.Join(",", w.Index) + "]", w is null ? "-" : Shapes.E(w.Analytic), w is null ? "-" : Shapes.E(w.Numeric), Percent(t.ToleranceUsed), result,
            });
        }
        AppendTable(sb, rows, rightAligned: [false, false, true, true, true, false, true, true, true, false]);

        var dirs = Tensors.Where(t => t.Directions.Count > 0).ToList();
        if (dirs.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("directional derivatives ∇L·d vs (L(θ+td) − L(θ−td))/2t, d random (seeded):");
            var drows = new List<string[]> { new[] { "tensor", "d", "analytic", "numeric", "rel err", "tol used", "result" } };
            foreach (var t in dirs)
                foreach (var d in t.Directions)
                    drows.Add(new[] { t.Name, d.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), Shapes.E(d.Analytic), Shapes.E(d.Numeric), Shapes.E(d.RelativeError), Percent(d.ToleranceUsed), d.Skipped ? "skipped (kink)" : d.Passed ? (d.Retried ? "ok (kink)" : "ok") : "FAIL" });
            AppendTable(sb, drows, rightAligned: [false, true, true, true, true, true, false]);
        }

        var failing = Tensors.Where(t => t.FailedCoordinates > 0).ToList();
        if (failing.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("failing coordinates (worst first, up to 5 per tensor):");
            var frows = new List<string[]> { new[] { "tensor", "index", "analytic", "numeric", "abs err", "rel err", "numeric/analytic" } };
            foreach (var t in failing)
                foreach (var c in t.Coordinates.Where(c => !c.Passed).OrderByDescending(c => c.AbsoluteError).Take(5))
                    frows.Add(new[] { t.Name, "[" + string.Join(",", c.Index) + "]", Shapes.E(c.Analytic), Shapes.E(c.Numeric), Shapes.E(c.AbsoluteError), Shapes.E(c.RelativeError),
                        c.Analytic == 0 ? "-" : (c.Numeric / c.Analytic).ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture) });
            AppendTable(sb, frows, rightAligned: [false, false, true, true, true, true, true]);
        }
        return sb.ToString().TrimEnd() + Environment.NewLine;
    }

    private static string Percent(double f) => double.IsInfinity(f) ? "∞" : f >= 10 ? (f * 100).ToString("0", System.Globalization.CultureInfo.InvariantCulture) + "%" : (f * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static string Fails(TensorGradientReport t)
    {
        var parts = new List<string>();
        if (t.FailedCoordinates > 0) parts.Add($"{t.FailedCoordinates} coord");
        if (t.FailedDirections > 0) parts.Add($"{t.FailedDirections} dir");
        if (t.TooManySkipped) parts.Add($"{t.Skipped} non-differentiable > {t.Coordinates.Count + t.Directions.Count} × max fraction");
        return string.Join(", ", parts);
    }

    internal static void AppendTable(StringBuilder sb, List<string[]> rows, bool[] rightAligned)
    {
        int columns = rows[0].Length;
        var widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        for (int r = 0; r < rows.Count; r++)
        {
            sb.AppendLine(string.Join("  ", rows[r].Select((cell, c) => rightAligned[c] && r > 0 ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c]))).TrimEnd());
            if (r == 0) sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        }
    }
}

/// <summary>Thrown by <see cref="GradientCheck.Assert(INeuralNetwork, GradientCheckOptions?)"/> and friends when a gradient is
/// over tolerance. The message is the full report table.</summary>
public sealed class GradientCheckException(GradientCheckReport report) : Exception(report.ToString())
{
    /// <summary>The report.</summary>
    public GradientCheckReport Report { get; } = report;
}
