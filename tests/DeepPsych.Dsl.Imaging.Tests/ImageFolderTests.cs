using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Optimizers;
using DeepPsych.Dsl.Training;
using SkiaSharp;

namespace DeepPsych.Dsl.Imaging.Tests;

/// <summary>A small convolutional classifier for 3×16×16 images.</summary>
[Network(Input = new[] { 3, 16, 16 }, Loss = Loss.SoftmaxCrossEntropy)]
public partial class TinyConvNet
{
    [Conv2D(8, Kernel = 3, Padding = 1, Activation = Act.ReLU)] public partial Conv2D C1 { get; }
    [MaxPool2D(2)]                                              public partial Pool   P1 { get; }
    [Dense(16, Activation = Act.ReLU)]                          public partial Dense  F1 { get; }
    [Dense(2)]                                                  public partial Dense  Output { get; }
}

public sealed class ImageFolderTests(Xunit.Abstractions.ITestOutputHelper log)
{
    [Fact]
    public void Trains_on_an_image_folder_with_augmentation_and_a_validation_split_above_chance()
    {
        using var folder = new StripesFolder(perClass: 150);
        var images = ImageFolder.Load(folder.Root, 16, 16, cache: true);
        Assert.Equal(["horizontal", "vertical"], images.ClassNames);
        Assert.Equal(300, images.Count);

        var (train, validation) = images.SplitValidation(0.2, seed: 1);
        var normalization = ChannelNormalization.Compute(train);
        Assert.Equal(3, normalization.Channels);
        train = train.Normalized(normalization);
        validation = validation.Normalized(normalization);

        var net = new TinyConvNet { Threads = 1 };
        net.InitializeParameters(1);
        var trainer = new Trainer(net, new Adam(0.01f), options: new TrainerOptions
        {
            Epochs = 4, BatchSize = 32, Seed = 1, Verbose = false,
            Augmentations = [new RandomCrop(2), new HorizontalFlip()],
        });
        var history = trainer.Fit(train, validation);

        Assert.Equal(60, history.ValidationSamples);
        Assert.Equal(["RandomCrop { Padding = 2, Fill = 0 }", "HorizontalFlip { Probability = 0.5 }"], history.Augmentations);
        double accuracy = history.Epochs[^1].ValAccuracy!.Value;
        log.WriteLine(string.Join("\n", history.Epochs.Select(e => $"epoch {e.Number}: loss {e.TrainLoss:F4} accuracy {e.TrainAccuracy:P1} val_loss {e.ValLoss:F4} val_accuracy {e.ValAccuracy:P1}")));
        Assert.True(accuracy > 0.85, $"val_accuracy {accuracy:P1} after {history.Epochs.Count} epochs (chance: 50 %)");

        // Predictions on the validation images agree with the reported accuracy.
        var predicted = net.PredictClasses(validation);
        var buffer = new float[validation.SampleLength];
        int correct = Enumerable.Range(0, validation.Count).Count(i => predicted[i] == validation.Read(i, buffer, default));
        Assert.Equal(accuracy, (double)correct / validation.Count, 12);
    }

    [Fact]
    public void Reads_channels_first_in_zero_to_one_resizes_and_converts_to_grayscale()
    {
        string root = Directory.CreateTempSubdirectory("deeppsych-images-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "b"));
            Directory.CreateDirectory(Path.Combine(root, "a"));
            using (var red = new SKBitmap(2, 2, SKColorType.Rgba8888, SKAlphaType.Unpremul))
            {
                red.Erase(new SKColor(255, 0, 0));
                red.SetPixel(1, 0, new SKColor(0, 0, 255));
                StripesFolder.Save(red, Path.Combine(root, "a", "red.png"));
            }
            using (var grey = new SKBitmap(8, 8, SKColorType.Rgba8888, SKAlphaType.Unpremul))
            {
                grey.Erase(new SKColor(51, 51, 51));
                StripesFolder.Save(grey, Path.Combine(root, "b", "grey.jpg"), SKEncodedImageFormat.Jpeg);
            }
            File.WriteAllText(Path.Combine(root, "b", "notes.txt"), "not an image");

            var rgb = ImageFolder.Load(root, 2, 2);
            Assert.Equal(["a", "b"], rgb.ClassNames);   // ordinal order, whatever order the folders were made in
            Assert.Equal(2, rgb.Count);                  // the .txt is ignored
            var sample = new float[12];
            Assert.Equal(0, rgb.Read(0, sample, default));
            Assert.Equal([1f, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0], sample);   // R plane, G plane, B plane; pixel (x 1, y 0) is blue
            Assert.Equal(1, rgb.Read(1, sample, default));                   // 8×8 grey resized to 2×2
            Assert.All(sample, v => Assert.Equal(0.2f, v, 0.02f));

            var grey1 = ImageFolder.Load(root, 2, 2, ImageColor.Grayscale);
            Assert.Equal([1, 2, 2], grey1.SampleShape);
            var one = new float[4];
            grey1.Read(0, one, default);
            Assert.Equal(0.299f, one[0], 1e-6f);
            Assert.Equal(0.114f, one[1], 1e-6f);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Folders_without_classes_or_images_are_refused_with_the_layout_to_use()
    {
        string root = Directory.CreateTempSubdirectory("deeppsych-images-").FullName;
        try
        {
            var missing = Assert.Throws<DatasetNotFoundException>(() => ImageFolder.Load(Path.Combine(root, "nope"), 8, 8));
            Assert.Contains("one sub-folder per class", missing.Message);
            var flat = Assert.Throws<DataFormatException>(() => ImageFolder.Load(root, 8, 8));
            Assert.Contains("has no sub-folders", flat.Message);
            Directory.CreateDirectory(Path.Combine(root, "cat"));
            var empty = Assert.Throws<DataFormatException>(() => ImageFolder.Load(root, 8, 8));
            Assert.Contains("cat' holds no images", empty.Message);
            File.WriteAllText(Path.Combine(root, "cat", "broken.png"), "not a png");
            var broken = Assert.Throws<DataFormatException>(() => ImageFolder.Load(root, 8, 8).Read(0, new float[192], default));
            Assert.Contains("broken.png' is not an image", broken.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
