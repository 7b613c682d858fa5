using System.Reflection;
using DeepPsych.Dsl.Ilgpu.Ops;
using ILGPU;
using ILGPU.Runtime;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>
/// Every kernel of <see cref="Ops"/>, loaded once per accelerator on first use (or all at once by <see cref="WarmUp"/>)
/// and cached here for the accelerator's lifetime. Activation-generic kernels are cached per <see cref="Act"/>.
/// Kernels with <see cref="SpecializedValue{T}"/> geometry are further specialised by ILGPU per distinct value (cached by ILGPU).
/// </summary>
internal sealed class IlgpuKernels(Accelerator accelerator)
{
    private readonly Accelerator _acc = accelerator;

    // ---- activation-generic (one instance per Act) ----
    private readonly Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[] _convForward = new Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[7];
    private readonly Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[] _denseForward = new Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[7];
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float>?[] _actForward = new Action<Index1D, ArrayView<float>, ArrayView<float>, float>?[7];
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[] _actBackward = new Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>?[7];
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, float>?[] _actDerivative = new Action<Index1D, ArrayView<float>, ArrayView<float>, float>?[7];

    // ---- the rest ----
    private Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _convBackwardData;
    private Action<Index1D, SpecializedValue<ConvShape>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _convBackwardWeights;
    private Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _denseBackwardData;
    private Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _denseBackwardWeights;
    private Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>>? _biasGradient;
    private Action<Index1D, int, int, ArrayView<float>, ArrayView<float>>? _addRows;
    private Action<Index1D, ArrayView<float>, float>? _fill;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? _add;
    private Action<Index1D, ArrayView<float>, float>? _scale;
    private Action<Index1D, ArrayView<float>, float>? _clamp;
    private Action<Index1D, int, int, ArrayView<float>, ArrayView<float>>? _statisticsPartial;
    private Action<Index1D, int, ArrayView<float>>? _statisticsFinish;
    private Action<Index1D, PoolShape, ArrayView<float>, ArrayView<float>, ArrayView<int>>? _maxForward;
    private Action<Index1D, PoolShape, ArrayView<float>, ArrayView<int>, ArrayView<float>>? _maxBackward;
    private Action<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>>? _avgForward;
    private Action<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>>? _avgBackward;
    private Action<Index1D, int, ArrayView<float>, ArrayView<float>>? _globalForward;
    private Action<Index1D, int, ArrayView<float>, ArrayView<float>>? _globalBackward;
    private Action<Index1D, ulong, long, uint, float, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _dropoutForward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _dropoutBackward;
    private Action<Index1D, int, float, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>>? _softmaxCe;
    private Action<Index1D, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _mse;
    private Action<Index1D, float, float, float, float, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _sgd;
    private Action<Index1D, AdamParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _adam;

    public Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> ConvForward(Act act)
        => _convForward[(int)act] ??= ActivationDispatch.For<Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>, ConvForwardLoader>(act, new(_acc));
    public Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> DenseForward(Act act)
        => _denseForward[(int)act] ??= ActivationDispatch.For<Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>, DenseForwardLoader>(act, new(_acc));
    public Action<Index1D, ArrayView<float>, ArrayView<float>, float> ActivationForward(Act act)
        => _actForward[(int)act] ??= ActivationDispatch.For<Action<Index1D, ArrayView<float>, ArrayView<float>, float>, ActForwardLoader>(act, new(_acc));
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> ActivationBackward(Act act)
        => _actBackward[(int)act] ??= ActivationDispatch.For<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>, ActBackwardLoader>(act, new(_acc));
    public Action<Index1D, ArrayView<float>, ArrayView<float>, float> ActivationDerivative(Act act)
        => _actDerivative[(int)act] ??= ActivationDispatch.For<Action<Index1D, ArrayView<float>, ArrayView<float>, float>, ActDerivativeLoader>(act, new(_acc));

    public Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>> ConvBackwardData => _convBackwardData ??= _acc.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Conv2DKernels.BackwardData);
    public Action<Index1D, SpecializedValue<ConvShape>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> ConvBackwardWeights => _convBackwardWeights ??= _acc.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ConvShape>, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(Conv2DKernels.BackwardWeights);
    public Action<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> DenseBackwardData => _denseBackwardData ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DenseKernels.BackwardData);
    public Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>> DenseBackwardWeights => _denseBackwardWeights ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DenseKernels.BackwardWeights);
    public Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>> BiasGradient => _biasGradient ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, ArrayView<float>>(MemoryKernels.BiasGradient);
    public Action<Index1D, int, int, ArrayView<float>, ArrayView<float>> AddRows => _addRows ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>>(MemoryKernels.AddRows);
    public Action<Index1D, ArrayView<float>, float> Fill => _fill ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(MemoryKernels.Fill);
    public Action<Index1D, ArrayView<float>, ArrayView<float>> Add => _add ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(MemoryKernels.Add);
    public Action<Index1D, ArrayView<float>, float> Scale => _scale ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(MemoryKernels.Scale);
    public Action<Index1D, ArrayView<float>, float> Clamp => _clamp ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(MemoryKernels.Clamp);
    public Action<Index1D, int, int, ArrayView<float>, ArrayView<float>> StatisticsPartial => _statisticsPartial ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, int, ArrayView<float>, ArrayView<float>>(MemoryKernels.StatisticsPartial);
    public Action<Index1D, int, ArrayView<float>> StatisticsFinish => _statisticsFinish ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>>(MemoryKernels.StatisticsFinish);
    public Action<Index1D, PoolShape, ArrayView<float>, ArrayView<float>, ArrayView<int>> MaxPoolForward => _maxForward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, PoolShape, ArrayView<float>, ArrayView<float>, ArrayView<int>>(PoolingKernels.MaxForward);
    public Action<Index1D, PoolShape, ArrayView<float>, ArrayView<int>, ArrayView<float>> MaxPoolBackward => _maxBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, PoolShape, ArrayView<float>, ArrayView<int>, ArrayView<float>>(PoolingKernels.MaxBackward);
    public Action<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>> AvgPoolForward => _avgForward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>>(PoolingKernels.AvgForward);
    public Action<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>> AvgPoolBackward => _avgBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, PoolShape, int, ArrayView<float>, ArrayView<float>>(PoolingKernels.AvgBackward);
    public Action<Index1D, int, ArrayView<float>, ArrayView<float>> GlobalAvgPoolForward => _globalForward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(PoolingKernels.GlobalAvgForward);
    public Action<Index1D, int, ArrayView<float>, ArrayView<float>> GlobalAvgPoolBackward => _globalBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(PoolingKernels.GlobalAvgBackward);
    public Action<Index1D, ulong, long, uint, float, ArrayView<float>, ArrayView<float>, ArrayView<float>> DropoutForward => _dropoutForward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ulong, long, uint, float, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DropoutKernels.Forward);
    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>> DropoutBackward => _dropoutBackward ??= _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(DropoutKernels.Backward);
    public Action<Index1D, int, float, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>> SoftmaxCrossEntropy => _softmaxCe ??= _acc.LoadAutoGroupedStreamKernel<Index1D, int, float, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>>(LossKernels.SoftmaxCrossEntropy);
    public Action<Index1D, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> Mse => _mse ??= _acc.LoadAutoGroupedStreamKernel<Index1D, float, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(LossKernels.Mse);
    public Action<Index1D, float, float, float, float, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> Sgd => _sgd ??= _acc.LoadAutoGroupedStreamKernel<Index1D, float, float, float, float, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(OptimizerKernels.Sgd);
    public Action<Index1D, AdamParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>> Adam => _adam ??= _acc.LoadAutoGroupedStreamKernel<Index1D, AdamParams, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(OptimizerKernels.Adam);

    /// <summary>Loads every kernel (every activation instance) now.</summary>
    public void WarmUp()
    {
        foreach (var act in ActivationDispatch.All)
        {
            _ = ConvForward(act); _ = DenseForward(act); _ = ActivationForward(act); _ = ActivationBackward(act); _ = ActivationDerivative(act);
        }
        _ = ConvBackwardData; _ = ConvBackwardWeights; _ = DenseBackwardData; _ = DenseBackwardWeights; _ = BiasGradient; _ = AddRows;
        _ = Fill; _ = Add; _ = Scale; _ = Clamp; _ = StatisticsPartial; _ = StatisticsFinish; _ = MaxPoolForward; _ = MaxPoolBackward; _ = AvgPoolForward; _ = AvgPoolBackward;
        _ = GlobalAvgPoolForward; _ = GlobalAvgPoolBackward; _ = DropoutForward; _ = DropoutBackward; _ = SoftmaxCrossEntropy; _ = Mse; _ = Sgd; _ = Adam;
    }

    /// <summary>
    /// Every kernel method, generic ones instantiated with every activation: all public static methods of the kernel classes
    /// in <see cref="Ops"/> whose first parameter is <see cref="Index1D"/>. Complete by construction (the compile test uses it).
    /// </summary>
    public static IReadOnlyList<(string Name, MethodInfo Method)> Catalog()
    {
        var list = new List<(string, MethodInfo)>();
        foreach (var type in typeof(IlgpuKernels).Assembly.GetTypes())
        {
            if (type.Namespace != typeof(Conv2DKernels).Namespace || !type.IsAbstract || !type.IsSealed) continue;   // static classes
            foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var ps = m.GetParameters();
                if (ps.Length == 0 || ps[0].ParameterType != typeof(Index1D)) continue;
                if (m.IsGenericMethodDefinition)
                    foreach (var act in ActivationDispatch.All)
                        list.Add(($"{type.Name}.{m.Name}<{act}>", m.MakeGenericMethod(ActivationDispatch.TypeOf(act))));
                else
                    list.Add(($"{type.Name}.{m.Name}", m));
            }
        }
        return list;
    }

    private readonly struct ConvForwardLoader(Accelerator acc) : IActivationGeneric<Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>>
    {
        public Action<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> Invoke<TAct>() where TAct : struct, IActivation
            => acc.LoadAutoGroupedStreamKernel<Index1D, SpecializedValue<ConvShape>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(Conv2DKernels.Forward<TAct>);
    }

    private readonly struct DenseForwardLoader(Accelerator acc) : IActivationGeneric<Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>>
    {
        public Action<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> Invoke<TAct>() where TAct : struct, IActivation
            => acc.LoadAutoGroupedStreamKernel<Index1D, int, int, int, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(DenseKernels.Forward<TAct>);
    }

    private readonly struct ActForwardLoader(Accelerator acc) : IActivationGeneric<Action<Index1D, ArrayView<float>, ArrayView<float>, float>>
    {
        public Action<Index1D, ArrayView<float>, ArrayView<float>, float> Invoke<TAct>() where TAct : struct, IActivation
            => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.Forward<TAct>);
    }

    private readonly struct ActBackwardLoader(Accelerator acc) : IActivationGeneric<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>>
    {
        public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float> Invoke<TAct>() where TAct : struct, IActivation
            => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.Backward<TAct>);
    }

    private readonly struct ActDerivativeLoader(Accelerator acc) : IActivationGeneric<Action<Index1D, ArrayView<float>, ArrayView<float>, float>>
    {
        public Action<Index1D, ArrayView<float>, ArrayView<float>, float> Invoke<TAct>() where TAct : struct, IActivation
            => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, float>(ActivationKernels.ApplyDerivative<TAct>);
    }
}
