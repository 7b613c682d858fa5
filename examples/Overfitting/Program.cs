using Examples.Overfitting;

// The lecture's over-fitting demo, on images (see OverfittingDemo).
//   dotnet run --project examples/Overfitting -c Release -- [--epochs 60] [--train 500] [--output runs/overfitting] [--overwrite]
return OverfittingDemo.Run(args, Console.Out, Console.Error);
