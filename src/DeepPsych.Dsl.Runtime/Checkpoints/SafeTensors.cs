using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DeepPsych.Dsl.Checkpoints;

/// <summary>One tensor to write: a name (PyTorch style, e.g. <c>C1.weight</c>), a shape, and its float32 values, row-major.</summary>
/// <param name="Name">Tensor name; unique within a file.</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Data">product(Shape) values.</param>
public sealed record SafeTensor(string Name, int[] Shape, ReadOnlyMemory<float> Data)
{
    /// <summary>An int64 tensor (PyTorch's <c>num_batches_tracked</c>), written with dtype <c>I64</c>.</summary>
    public SafeTensor(string name, int[] shape, ReadOnlyMemory<long> int64Data) : this(name, shape, ReadOnlyMemory<float>.Empty) => Int64Data = int64Data;

    /// <summary>The values of an int64 tensor (empty for float32).</summary>
    public ReadOnlyMemory<long> Int64Data { get; }

    /// <summary>True when this is an int64 tensor.</summary>
    public bool IsInt64 => Data.IsEmpty && !Int64Data.IsEmpty;

    /// <summary>The dtype written: <c>F32</c> or <c>I64</c>.</summary>
    public string DType => IsInt64 ? "I64" : "F32";

    internal int ElementCount => IsInt64 ? Int64Data.Length : Data.Length;

    internal ReadOnlySpan<byte> Bytes => IsInt64 ? MemoryMarshal.AsBytes(Int64Data.Span) : MemoryMarshal.AsBytes(Data.Span);
}

/// <summary>A tensor entry of a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type as written in the file (<c>F32</c>, <c>F16</c>, <c>I64</c>, …).</param>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Begin">Offset of the first byte, relative to the end of the header.</param>
/// <param name="End">Offset one past the last byte.</param>
public sealed record SafeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount { get { long n = 1; foreach (long d in Shape) n *= d; return n; } }
    /// <summary>The shape as <c>[a, b, c]</c>.</summary>
    public string ShapeText => SafeTensors.FormatShape(Shape);
}

/// <summary>Reads and writes the safetensors format (Hugging Face), the weight format PyTorch users exchange:
/// an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// <c>{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {string: string}}</c>,
/// then the raw little-endian tensor bytes.</summary>
/// <remarks>Only float32 tensors are written and loaded into networks; headers with any dtype are parsed.
/// JSON is written with <see cref="Utf8JsonWriter"/> and read with <see cref="JsonDocument"/> — no reflection, AOT-safe.</remarks>
public static class SafeTensors
{
    /// <summary>The header key that holds string metadata.</summary>
    public const string MetadataKey = "__metadata__";
    /// <summary>Largest header accepted (as the reference implementation: 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> s_elementSizes = new()
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["F8_E4M3"] = 1, ["F8_E5M2"] = 1,
        ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U64"] = 8, ["U32"] = 4, ["U16"] = 2, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> atomically:
    /// a temporary file in the same directory is written, flushed to disk and read back and compared byte for byte
    /// <em>before</em> it is renamed over the target; then the directory is flushed so the rename survives a crash.
    /// Temporary files left by writers that died (no longer locked, over a minute old) are removed first.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="tensors">Tensors in file order.</param>
    /// <param name="metadata">String metadata stored under <c>__metadata__</c>.</param>
    /// <param name="overwrite">Replace an existing file; without it an existing file is an error.</param>
    /// <exception cref="CheckpointException">Every failure: the file exists and <paramref name="overwrite"/> is false, the
    /// tensors are inconsistent, the directory is missing or not writable, the disk is full, or the read-back differs.
    /// The previous file at <paramref name="path"/>, if any, is then unchanged.</exception>
    public static void Write(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null, bool overwrite = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is big-endian.");
        string full = FullPath(path);
        if (Directory.Exists(full))
            throw new CheckpointException($"Cannot write '{full}': it is a directory.", full);
        if (File.Exists(full) && !overwrite)
            throw new CheckpointException($"'{full}' already exists; pass overwrite: true to replace it.", full);
        string directory = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
            throw new CheckpointException($"Cannot write '{full}': directory '{directory}' does not exist.", full);

        byte[] header = BuildHeader(full, tensors, metadata);
        AtomicFile.RemoveOrphans(full);
        string temp = AtomicFile.TemporaryPath(full);
        string stage = "create the temporary file";
        try
        {
            // FileShare.Delete: others may not open it, we may rename it while it is open (Windows), and on Unix the
            // handle holds a shared lock that tells AtomicFile.RemoveOrphans this file is in use.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Delete, 1 << 16))
            {
                stage = "write the temporary file";
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var t in tensors) stream.Write(t.Bytes);
                stream.Flush(flushToDisk: true);
                stage = "verify the temporary file";
                AtomicFile.BeforeVerify.Value?.Invoke(stream);
                Verify(full, stream, header, tensors);
                stage = "move the temporary file over the target";
                File.Move(temp, full, overwrite);
            }
            stage = "flush the directory";
            AtomicFile.FlushDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            string state = stage == "flush the directory" ? "The new file is in place, but the rename may not survive a crash."
                : File.Exists(full) ? "The existing file is unchanged." : "Nothing was written.";
            throw new CheckpointException($"Cannot write '{full}': could not {stage} ({e.GetType().Name}: {e.Message}). {state}", full, inner: e);
        }
        finally
        {
            AtomicFile.TryDelete(temp);
        }
    }

    /// <summary>The full path, or a <see cref="CheckpointException"/> for a path the file system cannot take.</summary>
    internal static string FullPath(string path)
    {
        try
        {
            return System.IO.Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointException($"'{path}' is not a valid file path: {e.Message}", path, inner: e);
        }
    }

    /// <summary>Opens <paramref name="path"/> and validates its header; tensor data is read on demand.</summary>
    /// <exception cref="CheckpointException">The file is missing, truncated, or its header is corrupt.</exception>
    public static SafeTensorsFile Open(string path) => SafeTensorsFile.Open(path);

    internal static string FormatShape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";
    internal static string FormatShape(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";

    internal static bool TryGetElementSize(string dtype, out int size) => s_elementSizes.TryGetValue(dtype, out size);

    private static byte[] BuildHeader(string path, IReadOnlyList<SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                if (t.Name == MetadataKey || !names.Add(t.Name))
                    throw new CheckpointException($"Cannot write '{path}': tensor name '{t.Name}' is reserved or repeated.", path, t.Name);
                long count = 1;
                foreach (int d in t.Shape)
                {
                    if (d < 0) throw new CheckpointException($"Cannot write '{path}': tensor '{t.Name}' has a negative dimension in {FormatShape(t.Shape)}.", path, t.Name);
                    count *= d;
                }
                if (count != t.ElementCount)
                    throw new CheckpointException($"Cannot write '{path}': tensor '{t.Name}' of shape {FormatShape(t.Shape)} needs {count} values, has {t.ElementCount}.", path, t.Name);
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.DType);
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset += count * (t.IsInt64 ? sizeof(long) : sizeof(float)));
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while ((8 + buffer.Length) % 8 != 0) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Reads the temporary file back through <paramref name="stream"/> and compares it with what was written.</summary>
    private static void Verify(string path, FileStream stream, byte[] header, IReadOnlyList<SafeTensor> tensors)
    {
        stream.Position = 0;
        var file = SafeTensorsFile.Parse(path, stream, ownsStream: false);
        if (!file.RawHeader.AsSpan().SequenceEqual(header))
            throw new CheckpointException($"Verification of '{path}' failed: the header read back differs from the header written. The target was not replaced.", path);
        foreach (var t in tensors)
        {
            var back = new byte[t.Bytes.Length];
            file.ReadRaw(t.Name, back);
            if (!back.AsSpan().SequenceEqual(t.Bytes))
                throw new CheckpointException($"Verification of '{path}' failed: tensor '{t.Name}' read back differs from what was written. The target was not replaced.", path, t.Name);
        }
    }
}
