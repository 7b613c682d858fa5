namespace DeepPsych.Dsl.Generators.Layers;

/// <summary>What the view kinds share (Flatten, Identity): the output is the input's memory, so there is no buffer, no
/// copy and no cost; backward has nothing to do when dL/dx may share dL/dy's memory, and adds dL/dy into dL/dx otherwise.</summary>
internal abstract record ViewOptions : LayerOptions
{
    public override bool OwnsOutput => false;
    public override bool GradientInPlace => true;
    public override long Flops(LayerShapes shapes) => 0;
    public override string HashText => HashFields();

    /// <summary>How y relates to x, for the comments: "x viewed as a vector".</summary>
    protected abstract string ForwardMath { get; }

    /// <summary>How dL/dx relates to dL/dy, for the comments: "dL/dy viewed back as 6x4x4".</summary>
    protected abstract string BackwardMath(LayerCode c);

    public override void Forward(LayerCode c)
    {
        c.Line($"//   y = {ForwardMath}: no copy");
        c.Line($"{c.T.View} {c.Y()} = {c.X};");
    }

    public override void Backward(LayerCode c)
    {
        if (c.DxIsDy)
        {
            c.Line($"//   dL/dx = {BackwardMath(c)}: same memory, nothing to do");
            return;
        }
        c.Line($"//   dL/dx += {BackwardMath(c)}");
        c.Line(c.T.Accumulate(c.DY(), c.DxArg));
    }
}
