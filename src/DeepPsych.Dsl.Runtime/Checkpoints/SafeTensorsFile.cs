using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace DeepPsych.Dsl.Checkpoints;
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
