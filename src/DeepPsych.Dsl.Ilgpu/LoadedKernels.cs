using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>
/// Kernels loaded by the op families' static launchers (<c>BatchNormKernels.ForwardTraining(accelerator, …)</c> and
/// siblings), once per accelerator and kernel, kept for the accelerator's lifetime. The key is the loader delegate itself:
/// pass a <c>static</c> lambda, which the compiler caches, so a launch after the first allocates nothing.
/// </summary>
internal static class LoadedKernels
{
    private static readonly ConditionalWeakTable<Accelerator, ConcurrentDictionary<Delegate, Delegate>> s_cache = new();

    /// <summary>The kernel that <paramref name="load"/> loads on <paramref name="accelerator"/>, loading it on first use.</summary>
    public static T Get<T>(Accelerator accelerator, Func<Accelerator, T> load) where T : Delegate
    {
        var table = s_cache.GetValue(accelerator, static _ => new ConcurrentDictionary<Delegate, Delegate>());
        if (table.TryGetValue(load, out var kernel)) return (T)kernel;
        return (T)table.GetOrAdd(load, load(accelerator));
    }
}
