using System.Buffers.Binary;
using System.IO.Compression;

namespace DeepPsych.Dsl.Data;

/// <summary>One array read from an IDX file (the MNIST / Fashion-MNIST format): its dimensions and its unsigned bytes.</summary>
/// <param name="Dimensions">Sizes, outermost first (e.g. <c>[60000, 28, 28]</c>).</param>
/// <param name="Data">The elements, row-major, one byte each.</param>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    /// <summary>The outermost dimension: the number of items.</summary>
    public int Count => Dimensions.Length == 0 ? 0 : Dimensions[0];
}

/// <summary>Reads IDX files, raw or gzip-compressed (detected by the magic bytes <c>1f 8b</c>, not by the file name).</summary>
/// <remarks>
/// Layout: a 4-byte big-endian magic number <c>00 00 TT DD</c> (TT: element type, 0x08 = unsigned byte; DD: number of
/// dimensions), DD big-endian int32 sizes, then the elements. Every inconsistency raises a
/// <see cref="DataFormatException"/> that names the file and says what was expected and what was found.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX image file: unsigned bytes, 3 dimensions (count, rows, columns).</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of an IDX label file: unsigned bytes, 1 dimension (count).</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;

    /// <summary>Reads an image file (magic <see cref="ImagesMagic"/>): returns <c>[count, rows, columns]</c> and the pixels.</summary>
    public static IdxArray ReadImages(string path) => Read(path, ImagesMagic);

    /// <summary>Reads a label file (magic <see cref="LabelsMagic"/>): returns <c>[count]</c> and the labels.</summary>
    public static IdxArray ReadLabels(string path) => Read(path, LabelsMagic);

    /// <summary>Reads an IDX file of unsigned bytes. When <paramref name="expectedMagic"/> is given the magic number must equal it.</summary>
    /// <exception cref="DatasetNotFoundException">The file does not exist.</exception>
    /// <exception cref="DataFormatException">The contents are not a valid IDX array.</exception>
    public static IdxArray Read(string path, int? expectedMagic = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            throw new DatasetNotFoundException($"IDX file '{path}' does not exist.", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(file, path, expectedMagic);
    }

    /// <summary>Reads an IDX array from <paramref name="stream"/> (raw or gzip); <paramref name="name"/> is used in error messages.</summary>
    /// <exception cref="DataFormatException">The contents are not a valid IDX array.</exception>
    public static IdxArray Read(Stream stream, string name, int? expectedMagic = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Stream buffered = stream;
        if (!stream.CanSeek)
        {
            buffered = new MemoryStream();
            stream.CopyTo(buffered);
            buffered.Position = 0;
        }
        Span<byte> probe = stackalloc byte[2];
        long start = buffered.Position;
        int probed = buffered.ReadAtLeast(probe, 2, throwOnEndOfStream: false);
        buffered.Position = start;

        bool gzip = probed == 2 && probe[0] == 0x1f && probe[1] == 0x8b;
        Stream source = gzip ? new GZipStream(buffered, CompressionMode.Decompress, leaveOpen: true) : buffered;
        try
        {
            return ReadUncompressed(source, name, expectedMagic, gzip);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException($"'{name}' starts with the gzip magic 1f 8b but is not a valid gzip stream: {e.Message}", name, e);
        }
        finally
        {
            if (gzip) source.Dispose();
        }
    }

    private static IdxArray ReadUncompressed(Stream source, string name, int? expectedMagic, bool gzip)
    {
        string what = gzip ? "decompressed contents" : "file";
        Span<byte> word = stackalloc byte[4];
        int got = source.ReadAtLeast(word, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new DataFormatException($"'{name}' is truncated: the {what} has {got} bytes, fewer than the 4-byte IDX magic number.", name);

        int magic = BinaryPrimitives.ReadInt32BigEndian(word);
        if (expectedMagic is { } expected && magic != expected)
            throw new DataFormatException(
                $"'{name}' has IDX magic number 0x{magic:X8} ({Describe(magic)}), expected 0x{expected:X8} ({Describe(expected)}). " +
                "Are the image and label files swapped, or is this not an IDX file?", name);
        if (word[0] != 0 || word[1] != 0)
            throw new DataFormatException($"'{name}' has magic number 0x{magic:X8}; an IDX file starts with two zero bytes (00 00 type dims).", name);
        if (word[2] != UnsignedByteType)
            throw new DataFormatException($"'{name}' holds elements of IDX type 0x{word[2]:X2}; only unsigned bytes (0x08) are supported.", name);

        int rank = word[3];
        long header = 4 + 4L * rank;
        var dims = new int[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            got = source.ReadAtLeast(word, 4, throwOnEndOfStream: false);
            if (got < 4)
                throw new DataFormatException(
                    $"'{name}' is truncated: the header needs {header} bytes, the {what} has {4 + 4L * d + got}.", name);
            dims[d] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[d] < 0)
                throw new DataFormatException($"'{name}': dimension {d} is {dims[d]}, a negative size.", name);
            if (dims[d] == 0 && d > 0)
                throw new DataFormatException($"'{name}': dimension {d} is 0; only the first dimension (the number of items) may be 0.", name);
            elements *= dims[d]; // cannot overflow: elements ≤ Array.MaxLength before, a dimension < 2^31
            if (elements > Array.MaxLength)
                throw new DataFormatException(
                    $"'{name}' declares dimensions starting [{string.Join(", ", dims[..(d + 1)])}], more than the {Array.MaxLength} elements one array can hold.", name);
        }

        // A raw file's length is known: compare before allocating. A gzip stream's is not: ReadData grows its buffer
        // only as data arrives, so a forged header cannot make it allocate more than the data that is really there.
        if (!gzip && source.CanSeek && source.Length - source.Position < elements)
            throw new DataFormatException(
                $"'{name}' is truncated: the header [{string.Join(", ", dims)}] promises {header + elements} bytes, the {what} has {header + source.Length - source.Position}.", name);
        var (data, read) = ReadData(source, (int)elements);
        if (read < elements)
            throw new DataFormatException(
                $"'{name}' is truncated: the header [{string.Join(", ", dims)}] promises {header + elements} bytes, the {what} has {header + read}.", name);

        Span<byte> extra = stackalloc byte[4096];
        long trailing = 0;
        int n;
        while ((n = source.Read(extra)) > 0) trailing += n;
        if (trailing > 0)
            throw new DataFormatException(
                $"'{name}' is longer than its header says: [{string.Join(", ", dims)}] promises {header + elements} bytes, the {what} has {header + elements + trailing}.", name);
        return new IdxArray(dims, data);
    }

    /// <summary>Reads up to <paramref name="count"/> bytes, growing the buffer (doubling from 1 MiB) as data arrives.</summary>
    private static (byte[] Data, long Read) ReadData(Stream source, int count)
    {
        const int FirstChunk = 1 << 20;
        var data = new byte[Math.Min(count, FirstChunk)];
        int filled = 0;
        while (true)
        {
            filled += source.ReadAtLeast(data.AsSpan(filled), data.Length - filled, throwOnEndOfStream: false);
            if (filled < data.Length || data.Length == count) return (data, filled);
            Array.Resize(ref data, (int)Math.Min(count, 2L * data.Length));
        }
    }

    private static string Describe(int magic) => magic switch
    {
        ImagesMagic => "unsigned-byte images, 3 dimensions",
        LabelsMagic => "unsigned-byte labels, 1 dimension",
        _ => $"type 0x{(magic >> 8) & 0xff:X2}, {magic & 0xff} dimensions",
    };
}
