using DeepPsych.Dsl;
using DeepPsych.Dsl.Optimizers;

// What a user writes after `dotnet add package DeepPsych.Dsl`: a network, a few SGD steps on a fixed batch.
var net = new TinyCnn { Threads = 1 };
net.InitializeParameters(seed: 1);
var random = new Random(2);
const int batch = 8;
var inputs = new float[batch * TinyCnn.InputLength];
for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)(random.NextDouble() * 2 - 1);
var labels = new int[batch];
for (int i = 0; i < batch; i++) labels[i] = i % 3;

var sgd = new Sgd(0.1f, momentum: 0.9f);
float first = 0, last = 0;
for (int step = 0; step < 20; step++)
{
    net.ZeroGradients();
    last = net.ComputeGradients(inputs, labels, batch);
    if (step == 0) first = last;
    sgd.Step(net);
}
Console.WriteLine($"parameters {TinyCnn.ParameterCount}");
Console.WriteLine($"loss {first:F4} -> {last:F4}");
return last < first ? 0 : 1;

[Network(Input = new[] { 1, 8, 8 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class TinyCnn
{
    [Conv2D(4, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D Conv { get; }
    [MaxPool2D(2)]                                               public partial Pool   Pool { get; }
    [Dense(3)]                                                   public partial Dense  Output { get; }
}
