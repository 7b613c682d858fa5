using DeepPsych.Dsl.Ops;

namespace DeepPsych.Dsl.Ilgpu;

/// <summary>Host-side shape checks for the device ops, with the CPU ops' messages (geometry: the runtime's Conv2DGeometry.Validate and Pool2DGeometry.Validate).</summary>
internal static class Shapes
{
    public static void Length(string op, string name, long actual, long expected, string expectedShape)
    {
        if (actual != expected) throw new ArgumentException($"{op}: {name} has {actual} elements but {expectedShape} = {expected} are needed.");
    }

    public static void Conv(string op, in Conv2DGeometry g, int batch, int xLength, int wLength)
    {
        g.Validate(op);   // the runtime's one geometry check
        if (batch < 0) throw new ArgumentException($"{op}: batch is {batch}.");
        Length(op, "x", xLength, (long)batch * g.InputLength, $"{batch}x{g.InChannels}x{g.InHeight}x{g.InWidth}");
        Length(op, "w", wLength, g.WeightLength, $"{g.OutChannels}x{g.InChannels / g.Groups}x{g.KernelH}x{g.KernelW}");
    }

    public static void Dense(string op, int batch, int inFeatures, int outFeatures, int xLength, int wLength)
    {
        if (batch < 0 || inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} in={inFeatures} out={outFeatures}.");
        Length(op, "x", xLength, (long)batch * inFeatures, $"{batch}x{inFeatures}");
        Length(op, "w", wLength, (long)outFeatures * inFeatures, $"{outFeatures}x{inFeatures}");
    }

    public static void Pool(string op, in Pool2DGeometry g, int batch, int inLength, string inName, int outLength, string outName)
    {
        g.Validate(op);   // the runtime's one pooling geometry check
        if (batch < 0) throw new ArgumentException($"{op}: batch is {batch}.");
        Length(op, inName, inLength, (long)batch * g.InputLength, $"{batch}x{g.Channels}x{g.InHeight}x{g.InWidth}");
        Length(op, outName, outLength, (long)batch * g.OutputLength, $"{batch}x{g.Channels}x{g.OutHeight}x{g.OutWidth}");
    }

    public static void Global(string op, int batch, int channels, int spatial, int inLength, string inName, int outLength, string outName)
    {
        if (batch < 0 || channels <= 0 || spatial <= 0) throw new ArgumentException($"{op}: invalid shape batch={batch} channels={channels} spatial={spatial}.");
        Length(op, inName, inLength, (long)batch * channels * spatial, $"{batch}x{channels}x{spatial}");
        Length(op, outName, outLength, (long)batch * channels, $"{batch}x{channels}");
    }
}
