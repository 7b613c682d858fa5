using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

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

/// <summary>An open safetensors file: the validated header (tensors and metadata) and on-demand access to tensor data.</summary>
/// <remarks>Opening checks everything a header can get wrong before any tensor is read: the header length against the
/// file length, valid UTF-8 and JSON, one entry per name, known dtypes, shapes whose byte size (computed without
/// overflow) equals the span of their data offsets, and offsets that tile the data section exactly. Nothing larger than
/// the file is ever allocated. Every problem is a <see cref="CheckpointException"/> that names the file and the tensor
/// or field.</remarks>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly FileStream _stream;
    private readonly bool _ownsStream;
    private readonly Dictionary<string, SafeTensorInfo> _byName;

    private SafeTensorsFile(string path, FileStream stream, bool ownsStream, byte[] rawHeader, long dataStart,
        List<SafeTensorInfo> tensors, Dictionary<string, SafeTensorInfo> byName, Dictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _ownsStream = ownsStream;
        RawHeader = rawHeader;
        DataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
        _byName = byName;
    }

    /// <summary>The file.</summary>
    public string Path { get; }
    /// <summary>The tensors, in order of their data.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }
    /// <summary>The <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Offset of the data section from the start of the file.</summary>
    public long DataStart { get; }
    internal byte[] RawHeader { get; }

    /// <summary>The entry for <paramref name="name"/>, or null.</summary>
    public SafeTensorInfo? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Reads float32 tensor <paramref name="name"/> into a new array.</summary>
    /// <exception cref="CheckpointException">The tensor is missing, is not F32, has more elements than an array holds, or cannot be read.</exception>
    public float[] ReadFloat32(string name)
    {
        var info = Find(name) ?? throw new CheckpointException($"'{Path}' has no tensor '{name}'.", Path, name);
        if (info.ElementCount > Array.MaxLength)
            throw new CheckpointException($"Tensor '{name}' in '{Path}' has {info.ElementCount} elements {info.ShapeText}, more than one array holds ({Array.MaxLength}).", Path, name);
        CheckF32(info);
        var values = new float[info.ElementCount];
        ReadFloat32(name, values);
        return values;
    }

    /// <summary>Reads float32 tensor <paramref name="name"/> into <paramref name="destination"/>, whose length must equal its element count.</summary>
    /// <exception cref="CheckpointException">The tensor is missing, is not F32, does not fit the destination, or cannot be read.</exception>
    public void ReadFloat32(string name, Span<float> destination)
    {
        var info = Find(name) ?? throw new CheckpointException($"'{Path}' has no tensor '{name}'.", Path, name);
        CheckF32(info);
        if (info.ElementCount != destination.Length)
            throw new CheckpointException($"Tensor '{name}' in '{Path}' has {info.ElementCount} elements {info.ShapeText}, the destination {destination.Length}.", Path, name);
        ReadRaw(name, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>Reads int64 tensor <paramref name="name"/> into <paramref name="destination"/>, whose length must equal its element count.</summary>
    /// <exception cref="CheckpointException">The tensor is missing, is not I64, does not fit the destination, or cannot be read.</exception>
    public void ReadInt64(string name, Span<long> destination)
    {
        var info = Find(name) ?? throw new CheckpointException($"'{Path}' has no tensor '{name}'.", Path, name);
        if (info.DType != "I64")
            throw new CheckpointException($"Tensor '{info.Name}' in '{Path}' has dtype {info.DType}; expected I64 (PyTorch's int64).", Path, info.Name);
        if (info.ElementCount != destination.Length)
            throw new CheckpointException($"Tensor '{name}' in '{Path}' has {info.ElementCount} elements {info.ShapeText}, the destination {destination.Length}.", Path, name);
        ReadRaw(name, MemoryMarshal.AsBytes(destination));
    }

    /// <summary>The raw bytes of tensor <paramref name="name"/> into <paramref name="bytes"/> (its exact byte size).</summary>
    internal void ReadRaw(string name, Span<byte> bytes)
    {
        var info = Find(name) ?? throw new CheckpointException($"'{Path}' has no tensor '{name}'.", Path, name);
        if (info.End - info.Begin != bytes.Length)
            throw new CheckpointException($"Tensor '{name}' in '{Path}' holds {info.End - info.Begin} bytes, the destination {bytes.Length}.", Path, name);
        int read;
        try
        {
            _stream.Position = DataStart + info.Begin;
            read = _stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            throw new CheckpointException($"Cannot read tensor '{name}' from '{Path}': {e.Message}", Path, name, e);
        }
        if (read != bytes.Length)
            throw new CheckpointException($"'{Path}' is truncated: tensor '{name}' needs {bytes.Length} bytes at data offset {info.Begin}, {read} could be read (was the file changed while open?).", Path, name);
    }

    private void CheckF32(SafeTensorInfo info)
    {
        if (info.DType != "F32")
            throw new CheckpointException($"Tensor '{info.Name}' in '{Path}' has dtype {info.DType}; only F32 is supported (convert with tensor.float() before saving).", Path, info.Name);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }

    internal static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = SafeTensors.FullPath(path);
        if (!File.Exists(full))
            throw new CheckpointException(Directory.Exists(full) ? $"Checkpoint '{full}' is a directory, not a file." : $"Checkpoint '{full}' does not exist.", full);
        FileStream stream;
        try
        {
            stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Cannot open checkpoint '{full}': {e.Message}", full, inner: e);
        }
        try
        {
            return Parse(full, stream, ownsStream: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Validates the header of the file open in <paramref name="stream"/> (read from its current position).</summary>
    internal static SafeTensorsFile Parse(string path, FileStream stream, bool ownsStream)
    {
        try
        {
            return ParseHeader(path, stream, ownsStream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"Cannot read the header of '{path}': {e.Message}", path, inner: e);
        }
    }

    private static SafeTensorsFile ParseHeader(string path, FileStream stream, bool ownsStream)
    {
        long fileLength = stream.Length - stream.Position;
        if (fileLength < 8)
            throw new CheckpointException($"'{path}' is truncated: {fileLength} bytes, fewer than the 8-byte header length that starts a safetensors file.", path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > SafeTensors.MaxHeaderBytes)
            throw new CheckpointException($"'{path}' is corrupt: its header length field says {headerLength} bytes, more than the {SafeTensors.MaxHeaderBytes} allowed — not a safetensors file?", path);
        if ((long)headerLength > fileLength - 8)
            throw new CheckpointException($"'{path}' is truncated: the header length field says {headerLength} bytes, only {fileLength - 8} follow it.", path);

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;
        if (!Utf8.IsValid(header))
            throw new CheckpointException($"'{path}' is corrupt: its {headerLength}-byte header is not valid UTF-8 (the JSON header must be UTF-8 text).", path);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"'{path}' is corrupt: its header is not valid JSON ({e.Message}).", path, inner: e);
        }

        using (document)
        {
            try
            {
                return ReadHeader(path, stream, ownsStream, header, dataStart, dataLength, document.RootElement);
            }
            catch (InvalidOperationException e) // a JSON escape such as \ud800 encodes a lone surrogate, which no string holds
            {
                throw new CheckpointException($"'{path}' is corrupt: its header holds a JSON string that is not valid Unicode text ({e.Message}).", path, inner: e);
            }
        }
    }

    private static SafeTensorsFile ReadHeader(string path, FileStream stream, bool ownsStream, byte[] header, long dataStart, long dataLength, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"'{path}' is corrupt: its header is a JSON {root.ValueKind}, expected an object.", path);
        var tensors = new List<SafeTensorInfo>();
        var byName = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        foreach (var property in root.EnumerateObject())
        {
            string name = property.Name;
            if (name == SafeTensors.MetadataKey)
            {
                if (sawMetadata) throw new CheckpointException($"'{path}' is corrupt: its header holds '{SafeTensors.MetadataKey}' twice.", path);
                sawMetadata = true;
                ReadMetadata(path, property.Value, metadata);
                continue;
            }
            var entry = ReadEntry(path, name, property.Value, dataLength);
            if (!byName.TryAdd(name, entry))
                throw new CheckpointException($"'{path}' is corrupt: its header holds tensor '{name}' twice.", path, name);
            tensors.Add(entry);
        }
        CheckCoverage(path, tensors, dataLength);
        return new SafeTensorsFile(path, stream, ownsStream, header, dataStart, tensors, byName, metadata);
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> into)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new CheckpointException($"'{path}' is corrupt: __metadata__ is a JSON {value.ValueKind}, expected an object of strings.", path);
        foreach (var entry in value.EnumerateObject())
        {
            string key = entry.Name;
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new CheckpointException($"'{path}' is corrupt: __metadata__ entry '{key}' is a JSON {entry.Value.ValueKind}, expected a string.", path);
            if (!into.TryAdd(key, entry.Value.GetString()!))
                throw new CheckpointException($"'{path}' is corrupt: __metadata__ holds '{key}' twice.", path);
        }
    }

    private static SafeTensorInfo ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        CheckpointException Corrupt(string what) => new($"'{path}' is corrupt: tensor '{name}' {what}.", path, name);
        if (value.ValueKind != JsonValueKind.Object) throw Corrupt($"is a JSON {value.ValueKind}, expected an object with dtype, shape and data_offsets");
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Corrupt("has no string 'dtype'");
        string dtype = dtypeElement.GetString()!;
        if (!SafeTensors.TryGetElementSize(dtype, out int elementSize))
            throw Corrupt($"has unknown dtype '{dtype}'");
        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Corrupt("has no 'shape' array");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        bool empty = false;
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long size) || size < 0)
                throw Corrupt($"has shape entry {d.GetRawText()}, expected a non-negative integer");
            shape[i++] = size;
            empty |= size == 0;
        }
        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2
            || offsets[0].ValueKind != JsonValueKind.Number || offsets[1].ValueKind != JsonValueKind.Number
            || !offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end))
            throw Corrupt("has no 'data_offsets' pair of integers");
        if (begin < 0 || end < begin)
            throw Corrupt($"has data_offsets [{begin}, {end}], not an increasing pair");
        // The byte size, computed so that it cannot overflow (-1: more than long.MaxValue).
        long span = end - begin, bytes = empty ? 0 : elementSize;
        for (int k = 0; k < shape.Length && !empty && bytes >= 0; k++)
            bytes = bytes > long.MaxValue / shape[k] ? -1 : bytes * shape[k];
        if (bytes != span)
            throw Corrupt($"has shape {SafeTensors.FormatShape(shape)} of {dtype} ({(bytes < 0 ? "more than " + long.MaxValue : bytes)} bytes) but data_offsets [{begin}, {end}] span {span} bytes");
        if (end > dataLength)
            throw new CheckpointException(
                $"'{path}' is truncated or corrupt: tensor '{name}' has data_offsets [{begin}, {end}], beyond the {dataLength} bytes of data after the header.", path, name);
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    /// <summary>The format requires the tensors to tile the data section exactly: no overlaps, no gaps, nothing after.</summary>
    private static void CheckCoverage(string path, List<SafeTensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var t in tensors)
        {
            if (t.Begin != expected)
                throw new CheckpointException(
                    $"'{path}' is corrupt: tensor '{t.Name}' starts at data offset {t.Begin}, expected {expected} ({(t.Begin < expected ? "it overlaps the previous tensor" : "a gap precedes it")}).", path, t.Name);
            expected = t.End;
        }
        if (expected != dataLength)
            throw new CheckpointException($"'{path}' is corrupt: the tensors cover {expected} bytes of data, the file holds {dataLength} after the header.", path);
    }
}
