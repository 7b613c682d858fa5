using Examples.FashionMnist;
using Spectre.Console;

// The main job (see TrainingJob). Ctrl+C stops between batches, saves what is done and exits with 130; a second Ctrl+C
// ends the process at once.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested) return;   // second Ctrl+C: let it end the process
    e.Cancel = true;
    Console.Error.WriteLine("Ctrl+C: stopping after this batch and saving (press again to quit at once) ...");
    interrupt.Cancel();
};
return TrainingJob.Run(args, AnsiConsole.Console, Console.Error, interrupt.Token);
