using DeepPsych.Dsl;

// Code that uses the network as a program would: with the shape error above it must add no error of its own
// (the generator emits throwing stubs for a network it reported an error on).
public static class UseIt
{
    public static float FirstLogit()
    {
        var net = new TooBigKernel();
        var logits = new float[TooBigKernel.OutputLength];
        net.Forward(new float[TooBigKernel.InputLength], logits, batch: 1);
        INeuralNetwork contract = net;
        return logits[0] + net.C3.Weights.Values[0] + contract.Parameters.Length;
    }
}
