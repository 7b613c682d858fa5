using System.Buffers.Binary;

namespace DeepPsych.Dsl.Packaging.Tests;

/// <summary>Writes the four Fashion-MNIST IDX files (raw, big-endian headers) with seeded random 28×28 images and
/// labels 0–9: enough for a training program to run end to end without the real data set.</summary>
internal static class TinyIdx
{
    public static void Write(string directory, int train, int test)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(3);
        foreach (var (split, count) in new[] { ("train", train), ("t10k", test) })
        {
            var images = new byte[16 + count * 28 * 28];
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(0), 0x00000803);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
            random.NextBytes(images.AsSpan(16));
            var labels = new byte[8 + count];
            BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(0), 0x00000801);
            BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
            for (int i = 0; i < count; i++) labels[8 + i] = (byte)(i % 10);
            File.WriteAllBytes(Path.Combine(directory, $"{split}-images-idx3-ubyte"), images);
            File.WriteAllBytes(Path.Combine(directory, $"{split}-labels-idx1-ubyte"), labels);
        }
    }
}
