using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepPsych.Dsl.Tests.Data;

/// <summary>Builds small IDX files in a temporary directory for the data tests.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "deeppsych-idx-" + Guid.NewGuid().ToString("N"));

    /// <summary>IDX bytes: magic 00 00 08 rank, big-endian dims, then <paramref name="data"/>.</summary>
    public static byte[] Idx(int[] dims, byte[] data, int? magic = null)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic ?? (0x0800 | dims.Length));
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return output.ToArray();
    }

    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes a Fashion-MNIST-shaped split (<paramref name="count"/> images of 28×28) under <see cref="Root"/>.</summary>
    public void WriteSplit(string split, int count, int? labelCount = null)
    {
        var pixels = new byte[count * 28 * 28];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 % 256);
        var labels = new byte[labelCount ?? count];
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)(i % 10);
        Write($"{split}-images-idx3-ubyte.gz", Gzip(Idx([count, 28, 28], pixels)));
        Write($"{split}-labels-idx1-ubyte.gz", Gzip(Idx([labels.Length], labels)));
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
