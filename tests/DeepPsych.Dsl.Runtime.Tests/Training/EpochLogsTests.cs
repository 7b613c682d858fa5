using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;

namespace DeepPsych.Dsl.Tests.Training;

public sealed class EpochLogsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-logs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs 3 epochs and checks that each log already holds epoch 2 when epoch 2 ends (written per epoch, not at the end).</summary>
    [Fact]
    public void Csv_and_json_lines_logs_get_one_keras_named_row_per_epoch_as_it_ends()
    {
        string csv = Path.Combine(_dir, "log.csv"), jsonl = Path.Combine(_dir, "log.jsonl");
        var net = new SoftmaxRegression(4, 3);
        net.InitializeParameters(5);
        var trainer = new Trainer(net, new Sgd(0.05f), options: new TrainerOptions { Epochs = 3, BatchSize = 25 });
        trainer.Callbacks.Add(new CsvLogger(csv));
        trainer.Callbacks.Add(new JsonLinesLogger(jsonl));
        var seen = new List<int>();
        trainer.Callbacks.Add(new AfterEpoch(c => seen.Add(File.ReadAllLines(csv).Length)));
        var history = trainer.Fit(TrainerTests.Blobs(100, 1), TrainerTests.Blobs(30, 2));

        Assert.Equal([2, 3, 4], seen); // header + one row per finished epoch
        var rows = File.ReadAllLines(csv);
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", rows[0]);
        Assert.StartsWith("1,", rows[1]);
        var last = history.Epochs[2];
        Assert.StartsWith($"3,{last.TrainLoss:R},{last.TrainAccuracy:R},{last.ValLoss:R},{last.ValAccuracy:R},", rows[3]);

        var lines = File.ReadAllLines(jsonl);
        Assert.Equal(3, lines.Length);
        using var doc = System.Text.Json.JsonDocument.Parse(lines[2]);
        Assert.Equal(3, doc.RootElement.GetProperty("epoch").GetInt32());
        Assert.Equal(last.ValLoss, doc.RootElement.GetProperty("val_loss").GetDouble());
    }

    [Fact]
    public void Regression_logs_leave_out_accuracy()
    {
        string csv = Path.Combine(_dir, "reg.csv");
        var net = new SoftmaxRegression(4, 1) { Loss = Loss.MeanSquaredError };
        var trainer = new Trainer(net, new Sgd(0.05f), options: new TrainerOptions { Epochs = 1, BatchSize = 25 });
        trainer.Callbacks.Add(new CsvLogger(csv));
        trainer.Fit(TrainerTests.Line(100, 1), TrainerTests.Line(20, 2));
        Assert.Equal("epoch,loss,val_loss,lr,seconds", File.ReadAllLines(csv)[0]);
    }

    private sealed class AfterEpoch(Action<EpochEndContext> action) : ITrainingCallback
    {
        public void OnEpochEnd(EpochEndContext context) => action(context);
    }
}
