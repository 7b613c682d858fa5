using Examples.ConvNetJs;

// Prints the demo's volumes the way the convnet.js page lays them out: each depth slice as a 2-D grid.
static void Print(string title, float[] values, int depth, int size, int offset = 0)
{
    Console.WriteLine(title);
    for (int d = 0; d < depth; d++)
    {
        Console.WriteLine($"  [:, :, {d}]");
        for (int r = 0; r < size; r++)
            Console.WriteLine("    " + string.Join(" ", Enumerable.Range(0, size).Select(c => values[offset + (d * size + r) * size + c].ToString().PadLeft(3))));
    }
}

var net = new DemoNetwork();
Console.WriteLine(net.Summary());
Console.WriteLine();
Print("Input volume (+pad 1)  x: 5x5x3", DemoVolumes.X, 3, 5);
Print("Filter W0: 3x3x3", DemoVolumes.W, 3, 3);
Console.WriteLine($"Bias b0: {DemoVolumes.B[0]}");
Print("Filter W1: 3x3x3", DemoVolumes.W, 3, 3, offset: 27);
Console.WriteLine($"Bias b1: {DemoVolumes.B[1]}");
Print("Output volume  y: 3x3x2 (stride 2)", DemoVolumes.Run(), 2, 3);
