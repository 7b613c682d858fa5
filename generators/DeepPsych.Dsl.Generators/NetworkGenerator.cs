using System;
using System.Linq;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Emit;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Parsing;
using DeepPsych.Dsl.Generators.Planning;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators;

/// <summary>Turns every <c>[Network]</c> partial class into a checked, compiled network: forward, backward,
/// parameters, workspace and summary. Shape errors become compiler diagnostics on the attribute that causes them.</summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline stages (used by the incrementality tests).</summary>
    public static class Stages
    {
        public const string Parse = nameof(Parse);
        public const string Plan = nameof(Plan);
        public const string Source = nameof(Source);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Parse: each [Network] class → a symbol-free spec (layers in declaration order) + declaration diagnostics.
        var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                predicate: static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                transform: static (ctx, ct) => Guard(ctx.TargetSymbol.Name, LocationInfo.From(ctx.TargetNode.GetLocation()), () => NetworkParser.Parse(ctx, ct)))
            .WithTrackingName(Stages.Parse);

        // 2. Plan: shapes, parameter layout, costs, hash, and the shape diagnostics.
        var planned = parsed
            .Select(static (p, _) => p.Spec is null ? new PlanResult(null, p.Diagnostics)
                : GuardPlan(p.Spec.ClassName, p.Spec.Location, () => Planner.Plan(p), p))
            .WithTrackingName(Stages.Plan);

        // 3. Diagnostics, reported apart from the source so that moving code re-reports locations without re-emitting.
        context.RegisterSourceOutput(planned.Select(static (p, _) => p.Diagnostics), static (spc, diagnostics) =>
        {
            foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
        });

        // 4. Emit: location-free plans only, so this step stays cached unless the architecture changes.
        var plans = planned.Select(static (p, _) => p.Plan).Where(static p => p is not null).WithTrackingName(Stages.Source);
        context.RegisterSourceOutput(plans, static (spc, plan) =>
        {
            string source;
            try { source = NetworkEmitter.Emit(plan!); }
            catch (Exception e)
            {
                spc.ReportDiagnostic(Internal(plan!.ClassName, null, e).ToDiagnostic());
                return;
            }
            spc.AddSource(NetworkEmitter.HintName(plan!), source);
        });
    }

    /// <summary>The generator never throws at a user: an exception becomes DPD0099 naming the class.</summary>
    private static ParseResult Guard(string name, LocationInfo? location, Func<ParseResult> parse)
    {
        try
        {
            if (FaultInjection.FailOnClass == name) throw new InvalidOperationException("fault injected by a test");
            return parse();
        }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) { return new ParseResult(null, new[] { Internal(name, location, e) }.ToEquatableArray()); }
    }

    private static PlanResult GuardPlan(string name, LocationInfo? location, Func<PlanResult> plan, ParseResult parsed)
    {
        try { return plan(); }
        catch (Exception e) { return new PlanResult(null, parsed.Diagnostics.Concat(new[] { Internal(name, location, e) }).ToEquatableArray()); }
    }

    private static DiagnosticInfo Internal(string name, LocationInfo? location, Exception e)
        => DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, name, $"{e.GetType().Name}: {e.Message}",
            (e.StackTrace ?? "").Replace("\r", "").Replace("\n", " | "));
}

/// <summary>Lets the test of DPD0099 make the generator fail on purpose; null (off) everywhere else.</summary>
internal static class FaultInjection
{
    public static string? FailOnClass;
}
