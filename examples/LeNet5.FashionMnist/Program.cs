using DeepPsych.Dsl.Distributed;
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
// Under mpirun (train.sh --ranks N) every rank runs this; rank 0 reports and writes, the others stay silent. A rank
// that fails ends the whole job (MPI_Abort), so no rank waits forever and no half-written file is left.
DeepPsych.Dsl.Distributed.Mpi.MpiCommunicator? world;
try { world = DistributedEnvironment.World; }
catch (DistributedException e) { Console.Error.WriteLine(e.Message); return 6; }
var console = world is null || world.Rank == 0 ? AnsiConsole.Console
    : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null), Interactive = InteractionSupport.No });
int code;
try { code = TrainingJob.Run(args, console, Console.Error, interrupt.Token, world); }
catch (Exception e) when (world is not null)
{
    world.Abort($"{e.GetType().Name}: {e.Message}");
    return 1;
}
if (world is not null && code != TrainingJob.Ok) world.Abort($"the main job stopped with exit code {code}", code);
return code;
