using System.Reflection;
using DeepPsych.Dsl.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.CodeFixes.Tests;

/// <summary>Every diagnostic the generator can report links to its own page, and that page exists in docs/diagnostics/.</summary>
public class HelpLinkTests
{
    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (var d in Descriptors()) data.Add(d.Id);
        return data;
    }

    private static IEnumerable<DiagnosticDescriptor> Descriptors()
        => typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor)).Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    private static string RepositoryRoot => typeof(HelpLinkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_id_links_to_its_page_and_the_page_exists(string id)
    {
        var descriptor = Descriptors().Single(d => d.Id == id);
        Assert.StartsWith("https://", descriptor.HelpLinkUri);
        Assert.EndsWith($"/blob/main/docs/diagnostics/{id}.md", descriptor.HelpLinkUri);
        string page = Path.Combine(RepositoryRoot, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"{id} has no page: write {page} (what it means, an example, the fix)");
        Assert.StartsWith($"# {id}", File.ReadAllText(page));
    }

    [Fact]
    public async Task Reported_diagnostics_carry_the_link()
    {
        var document = CodeFixHarness.Document("[Network(Input = new[] { 2 })] public class Xor { [Dense(1)] public partial Dense Out { get; } }");
        var (diagnostics, _) = await CodeFixHarness.RunGenerator(document);
        var d = Assert.Single(diagnostics, x => x.Id == "DPD0001");
        Assert.Equal(DiagnosticDescriptors.HelpLink("DPD0001"), d.Descriptor.HelpLinkUri);
    }
}
