using System.ComponentModel;

namespace DeepPsych.Dsl;

/// <summary>
/// The run-time side of a <see cref="BlockAttribute">[Block]</see> class (the generator adds this base to it): once the
/// network that holds the block is constructed, its layer properties return the network's layers, named by their path
/// (<c>Layer1.0.Conv1</c>). The block's <c>Tensor Forward(Tensor x)</c> is symbolic, like a network's.
/// </summary>
public abstract class Block
{
    private Dictionary<string, Layer?>? _layers;

    /// <summary>Where the block sits in its network (<c>Layer1.0</c>), or empty before the network attached it.</summary>
    public string Path { get; private set; } = "";

    /// <summary>The block's layers that this use of it contains (a path the constructor's arguments turned off, such as
    /// ResNet's downsample without a stride, has none), by property name.</summary>
    public IReadOnlyList<Layer> Layers => _layers is null ? [] : _layers.Values.OfType<Layer>().ToList();

    /// <summary>Called by the generated network constructor: the layer behind each of the block's layer properties,
    /// null for one this use does not contain. Not for user code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Attach(string path, IReadOnlyList<KeyValuePair<string, Layer?>> layers)
    {
        if (_layers is not null)
            throw new InvalidOperationException($"{GetType().Name} at '{path}' is already part of a network at '{Path}'; a block instance belongs to one place: initialise each block property with its own new(...).");
        Path = path;
        _layers = layers.ToDictionary(p => p.Key, p => p.Value);
    }

    /// <summary>The layer behind a layer property (generated getters call it).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected T LayerOf<T>(string property) where T : Layer
    {
        if (_layers is null)
            throw new InvalidOperationException($"{GetType().Name}.{property}: this block is not part of a network yet; its layers exist once the network holding it is constructed.");
        if (!_layers.TryGetValue(property, out var layer))
            throw new InvalidOperationException($"{GetType().Name}.{property} is not a layer property of this block.");
        return layer as T ?? throw new InvalidOperationException(
            $"{Path}.{property} is not part of this {GetType().Name}: its Forward does not use it with these constructor arguments ({ConstructorArguments}).");
    }

    /// <summary>The constructor arguments this use was created with, e.g. <c>planes: 128, stride: 2</c> (generated).</summary>
    protected virtual string ConstructorArguments => "";

    /// <summary>The block's type and path.</summary>
    public override string ToString() => $"{GetType().Name}({ConstructorArguments})" + (Path.Length > 0 ? " at " + Path : "");
}

/// <summary>
/// Blocks applied one after another, as PyTorch's <c>nn.Sequential</c> of blocks (torchvision's <c>layer1</c>), written as
/// a collection expression: <c>public Sequential&lt;BasicBlock&gt; Layer2 { get; } = [new(128, stride: 2, downsample: true), new(128)];</c>.
/// The blocks are named by index (<c>Layer2.0</c>, <c>Layer2.1</c>).
/// </summary>
[System.Runtime.CompilerServices.CollectionBuilder(typeof(Sequential), nameof(Sequential.Create))]
public sealed class Sequential<TBlock> : IReadOnlyList<TBlock>
{
    private readonly TBlock[] _blocks;

    internal Sequential(TBlock[] blocks) => _blocks = blocks;

    /// <inheritdoc/>
    public TBlock this[int index] => _blocks[index];
    /// <inheritdoc/>
    public int Count => _blocks.Length;
    /// <inheritdoc/>
    public IEnumerator<TBlock> GetEnumerator() => ((IEnumerable<TBlock>)_blocks).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _blocks.GetEnumerator();

    /// <summary>The blocks applied in order to a value in a <c>Tensor Forward(Tensor x)</c>; symbolic (see <see cref="Tensor"/>).</summary>
    public Tensor Forward(Tensor x) => throw Tensor.Symbolic("Sequential.Forward");
}

/// <summary>Builds a <see cref="Sequential{TBlock}"/> from a collection expression <c>[new(64), new(64)]</c>.</summary>
public static class Sequential
{
    /// <summary>The blocks, in order.</summary>
    public static Sequential<TBlock> Create<TBlock>(ReadOnlySpan<TBlock> blocks) => new(blocks.ToArray());
}
