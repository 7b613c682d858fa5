using DeepPsych.Dsl.Generators.Layers;

namespace DeepPsych.Dsl.Generators.Tests.Layers;

/// <summary>The layer table against the contract users compile with: every layer attribute has exactly one row, and
/// every row's property type exists (the checklist's steps 1, 2 and 4 in docs/adding-a-layer.md).</summary>
public class LayerTableTests
{
    private static readonly System.Reflection.Assembly Contract = typeof(DeepPsych.Dsl.INeuralNetwork).Assembly;

    [Fact]
    public void Every_layer_attribute_in_the_contract_has_one_row()
    {
        var layerAttribute = Contract.GetType("DeepPsych.Dsl.LayerAttribute", throwOnError: true)!;
        var attributes = Contract.GetExportedTypes().Where(t => t.IsSubclassOf(layerAttribute) && !t.IsAbstract).Select(t => t.FullName!).Order().ToList();
        Assert.Equal(attributes, LayerTable.Kinds.Select(k => k.AttributeName).Order().ToList());
    }

    [Fact]
    public void Every_row_names_a_layer_type_of_the_contract()
    {
        var layer = Contract.GetType("DeepPsych.Dsl.Layer", throwOnError: true)!;
        foreach (var kind in LayerTable.Kinds)
        {
            var handle = Contract.GetType("DeepPsych.Dsl." + kind.HandleType);
            Assert.True(handle is not null && handle.IsSubclassOf(layer), $"{kind.Name}: DeepPsych.Dsl.{kind.HandleType} is not a Layer type of the contract");
        }
    }
}
