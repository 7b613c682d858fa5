using System;
using System.Linq;
using DeepPsych.Dsl.Generators.Diagnostics;
using DeepPsych.Dsl.Generators.Emit;
using DeepPsych.Dsl.Generators.Model;
using DeepPsych.Dsl.Generators.Parsing;
using DeepPsych.Dsl.Generators.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

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
        // 1. Parse: each [Network] type → a symbol-free spec (layers in declaration order) + declaration diagnostics.
        //    Declarations the generator cannot complete (records, structs, generic or static classes, primary
        //    constructors, colliding member names) stop at DeclarationChecks with a diagnostic.
        var parsed = context.SyntaxProvider.ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (ctx, ct) => Guard(ctx.TargetSymbol.Name, LocationInfo.From(ctx.TargetNode.GetLocation()),
                    () => DeclarationChecks.Check(ctx, ct) ?? NetworkParser.Parse(ctx, ct)))
            .WithTrackingName(Stages.Parse);

        // 1a. [Block] classes: their own declaration checks and generated part (base, layer properties). The networks
        //     that use a block read its declaration themselves and inline its graph.
        var blocks = context.SyntaxProvider.ForAttributeWithMetadataName(
                BlockReader.BlockAttributeName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (ctx, ct) => GuardBlock(ctx, ct));
        context.RegisterSourceOutput(blocks.Select(static (r, _) => r.Diagnostics).Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var d in pair.Left) spc.ReportDiagnostic(d.ToDiagnostic(pair.Right));
        });
        context.RegisterSourceOutput(blocks.Select(static (r, _) => r.Plan).Where(static p => p is not null), static (spc, plan) =>
            spc.AddSource(HintNames.For(plan!), BlockEmitter.Emit(plan!)));

        // 1b. Layer attributes on a property of a type without [Network] would otherwise be silently ignored.
        var strayLayers = context.SyntaxProvider.CreateSyntaxProvider(
                predicate: static (node, _) => node is PropertyDeclarationSyntax { AttributeLists.Count: > 0 },
                transform: static (ctx, ct) => GuardStray(ctx, ct))
            .Where(static d => d is not null);
        context.RegisterSourceOutput(strayLayers.Combine(context.CompilationProvider), static (spc, pair) => spc.ReportDiagnostic(pair.Left!.ToDiagnostic(pair.Right)));

        // 2. Plan: shapes, parameter layout, costs, hash, and the shape diagnostics.
        var planned = parsed
            .Select(static (p, _) => (p.Spec is null ? new PlanResult(null, p.Diagnostics)
                : GuardPlan(p.Spec.ClassName, p.Spec.Location, () => EmittedNames.Check(Planner.Plan(p), p.Spec), p)) with { Shell = p.Shell })
            .WithTrackingName(Stages.Plan);

        // 3. Diagnostics, reported apart from the source so that moving code re-reports locations without re-emitting.
        //    Joined with the compilation so each location is in its syntax tree (#pragma warning disable reaches it).
        context.RegisterSourceOutput(planned.Select(static (p, _) => p.Diagnostics).Combine(context.CompilationProvider), static (spc, pair) =>
        {
            foreach (var d in pair.Left) spc.ReportDiagnostic(d.ToDiagnostic(pair.Right));
        });

        // 4. Emit: location-free plans only, so this step stays cached unless the architecture changes. Hint names
        //    must be unique (compared ignoring case) across all networks: the set of names joins each plan.
        var plans = planned.Select(static (p, _) => p.Plan).Where(static p => p is not null).WithTrackingName(Stages.Source);
        var hintNames = plans.Select(static (p, _) => HintNames.Key(p!)).Collect().Select(static (keys, _) => keys.ToEquatableArray());
        context.RegisterSourceOutput(plans.Combine(hintNames), static (spc, pair) =>
        {
            var plan = pair.Left!;
            try
            {
                spc.AddSource(HintNames.For(plan, pair.Right), NetworkEmitter.Emit(plan));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                spc.ReportDiagnostic(Internal(plan.ClassName, null, e).ToDiagnostic());
            }
        });

        // 5. Stubs: a network with an error still gets its partial properties and the members every network has, as
        //    throwing stubs, so the DPD error is the only error the user sees (not CS9248 per layer and CS1061 per use).
        var stubs = planned.Select(static (p, _) => p.Plan is null && p.Diagnostics.Any(d => d.IsError) ? p.Shell : null).Where(static s => s is not null);
        context.RegisterSourceOutput(stubs, static (spc, shell) => spc.AddSource(HintNames.ForStub(shell!), NetworkEmitter.EmitStub(shell!)));
    }

    private static BlockParseResult GuardBlock(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken ct)
    {
        try { return BlockDeclarations.Parse(context, ct); }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) { return new BlockParseResult(null, new[] { Internal(context.TargetSymbol.Name, LocationInfo.From(context.TargetNode.GetLocation()), e) }.ToEquatableArray()); }
    }

    private static DiagnosticInfo? GuardStray(GeneratorSyntaxContext context, System.Threading.CancellationToken ct)
    {
        try { return DeclarationChecks.LayerOutsideNetwork(context, ct); }
        catch (OperationCanceledException) { throw; }
        catch (Exception e) { return Internal(((PropertyDeclarationSyntax)context.Node).Identifier.Text, LocationInfo.From(context.Node.GetLocation()), e); }
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

/// <summary>Hint names of generated files. Roslyn requires them unique ignoring case and made of identifier characters
/// and <c>.,-+`_()[]{}</c> and spaces; type names can contain neither an <c>@</c> (<c>namespace @class</c>) nor angle
/// brackets, and two networks can share a readable name (<c>Outer.Net</c> and <c>Outer&lt;T&gt;.Net</c>, or <c>Net</c> and
/// <c>NET</c>). The readable name is kept; a name that collides gets a hash of the network's exact full name appended.</summary>
internal static class HintNames
{
    /// <summary>"readable name" + NUL + the network's exact identity (namespace, enclosing declarations with their type
    /// parameters, class name): what the other networks need to know to detect a collision.</summary>
    public static string Key(NetworkPlan plan)
        => Readable(plan) + "\0" + (plan.Namespace ?? "") + "|" + string.Join("|", plan.ContainingTypes.Items) + "|" + plan.ClassName;

    public static string For(NetworkPlan plan, EquatableArray<string> allKeys)
    {
        string key = Key(plan), readable = Readable(plan);
        bool collides = allKeys.Items.Any(k => k != key && string.Equals(k.Substring(0, k.IndexOf('\0')), readable, StringComparison.OrdinalIgnoreCase));
        return readable + (collides ? "." + Fnv(key).ToString("x8") : "") + ".g.cs";
    }

    /// <summary>The stub of a network with errors (never emitted beside its own plan): the readable name and a hash of
    /// the network's exact identity, so two stubs or a stub and a generated network never share a name.</summary>
    public static string ForStub(NetworkShell shell)
        => Sanitize(NetworkEmitter.StubHintName(shell), ".stub.g.cs") + "." + Fnv((shell.Namespace ?? "") + "|" + string.Join("|", shell.ContainingTypes.Items) + "|" + shell.ClassName).ToString("x8") + ".stub.g.cs";

    /// <summary>The emitter's dotted name without the '@' of escaped keywords, anything else invalid replaced by '_'.</summary>
    private static string Readable(NetworkPlan plan) => Sanitize(NetworkEmitter.HintName(plan), ".g.cs");

    private static string Sanitize(string hintName, string suffix)
    {
        string name = hintName.Substring(0, hintName.Length - suffix.Length).Replace("@", "");
        return new string(name.Select(c => char.IsLetterOrDigit(c) || c == '_' || c == '.' ? c : '_').ToArray());
    }

    /// <summary>A [Block]'s file: its readable name and a hash of its exact identity (blocks never collide with each other or a network).</summary>
    public static string For(BlockPlan plan)
    {
        string identity = (plan.Namespace ?? "") + "|" + string.Join("|", plan.ContainingTypes.Items) + "|" + plan.ClassName;
        string readable = new string(plan.ClassName.Replace("@", "").Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
        return "Block." + readable + "." + Fnv(identity).ToString("x8") + ".g.cs";
    }

    private static uint Fnv(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) { hash ^= c; hash *= 16777619; }
        return hash;
    }
}

/// <summary>Lets the test of DPD0099 make the generator fail on purpose; null (off) everywhere else.</summary>
internal static class FaultInjection
{
    public static string? FailOnClass;
}
