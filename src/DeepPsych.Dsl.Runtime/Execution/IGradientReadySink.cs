namespace DeepPsych.Dsl.Execution;

/// <summary>Told, during a training step, which parts of the gradient block are final for the whole batch, so that
/// work on them (a data-parallel all-reduce) can start while the earlier layers' backward still runs.</summary>
/// <remarks>
/// <para>A generated network calls <see cref="GradientsReady"/> from its backward pass, layer by layer in reverse order,
/// right after a layer's dL/dθ is complete: with one shard (<see cref="INeuralNetwork.Threads"/> = 1, or a batch too
/// small to split) that is as soon as the layer's backward op returns, because the shard adds straight into
/// <see cref="INeuralNetwork.Gradients"/>. With several shards a layer's gradient is final only once the shards' copies
/// are summed at the end of the step, so the whole block is reported there in one call. The device path reports nothing
/// (the gradients stay on the device); a caller that sees no report after the step treats the whole block itself.</para>
/// <para>Every parameter is reported exactly once per CPU step. The call runs on the thread that runs the shard's
/// backward; it must not write the gradients of layers not yet reported, and should return quickly.</para>
/// </remarks>
public interface IGradientReadySink
{
    /// <summary>dL/dθ[<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of the gradient block
    /// is final for this step.</summary>
    void GradientsReady(int offset, int length);
}

/// <summary>A network that reports finished gradients to an <see cref="IGradientReadySink"/> during backward (every
/// generated network does). Null (the default) makes no calls.</summary>
public interface IReportsGradientsReady
{
    /// <summary>The sink told about finished gradients in the following training steps, or null.</summary>
    IGradientReadySink? GradientReadySink { get; set; }
}
