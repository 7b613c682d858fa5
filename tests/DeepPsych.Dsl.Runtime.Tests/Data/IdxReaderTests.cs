using DeepPsych.Dsl.Data;
using DeepPsych.Dsl.Tests.Checkpoints;

namespace DeepPsych.Dsl.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Reads_raw_images()
    {
        var path = _files.Write("images", IdxTestFiles.Idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        var array = IdxReader.ReadImages(path);
        Assert.Equal([2, 2, 3], array.Dimensions);
        Assert.Equal(2, array.Count);
        Assert.Equal(12, array.Data[11]);
    }

    [Fact]
    public void Detects_gzip_by_magic_bytes_not_by_name()
    {
        var raw = IdxTestFiles.Idx([3], [7, 8, 9]);
        var gzipNamedRaw = _files.Write("labels", IdxTestFiles.Gzip(raw));
        var rawNamedGz = _files.Write("labels.gz", raw);
        Assert.Equal([7, 8, 9], IdxReader.ReadLabels(gzipNamedRaw).Data);
        Assert.Equal([7, 8, 9], IdxReader.ReadLabels(rawNamedGz).Data);
    }

    [Fact]
    public void Wrong_magic_names_found_and_expected_values()
    {
        var labels = _files.Write("labels", IdxTestFiles.Idx([3], [1, 2, 3]));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(labels));
        Assert.Contains("0x00000801", e.Message); // found
        Assert.Contains("0x00000803", e.Message); // expected
        Assert.Contains(labels, e.Message);
        Assert.Equal(labels, e.Path);
    }

    [Fact]
    public void Truncated_data_says_expected_and_actual_bytes()
    {
        var full = IdxTestFiles.Idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
        var path = _files.Write("short.gz", IdxTestFiles.Gzip(full[..^3])); // header 16 + 8 data = 24 bytes; 21 present
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("promises 24 bytes", e.Message);
        Assert.Contains("has 21", e.Message);
    }

    [Fact]
    public void Truncated_header_is_reported()
    {
        var path = _files.Write("tiny", [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("header needs 16 bytes", e.Message);
    }

    [Fact]
    public void Trailing_bytes_are_reported()
    {
        var bytes = IdxTestFiles.Idx([2], [1, 2]).Concat(new byte[] { 9, 9 }).ToArray();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(_files.Write("long", bytes)));
        Assert.Contains("promises 10 bytes", e.Message);
        Assert.Contains("has 12", e.Message);
    }

    [Fact]
    public void Unsupported_element_type_is_named()
    {
        var path = _files.Write("floats", IdxTestFiles.Idx([1], [0, 0, 0, 0], magic: 0x0D01));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("0x0D", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_a_data_format_error()
    {
        var gz = IdxTestFiles.Gzip(IdxTestFiles.Idx([4], [1, 2, 3, 4]));
        gz[12] ^= 0xff;
        gz[13] ^= 0xff;
        var path = _files.Write("bad.gz", gz);
        Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
    }

    [Fact]
    public void Missing_file_is_a_file_not_found_error()
    {
        var e = Assert.Throws<DatasetNotFoundException>(() => IdxReader.Read(Path.Combine(_files.Root, "nope")));
        Assert.IsAssignableFrom<FileNotFoundException>(e);
        Assert.Contains("nope", e.Message);
    }

    // Regression rows of issue #9's reader table.

    [Theory]
    [InlineData(new[] { 65536, 65536, 65536, 65536 })] // 2^64 wraps a long to 0: a 16-byte file loaded as empty samples
    [InlineData(new[] { 2097152, 65536, 65536 })]
    [InlineData(new[] { int.MaxValue, int.MaxValue })]
    public void Dimensions_past_one_array_are_reported_without_overflow(int[] dims)
    {
        var path = _files.Write("wrap", IdxTestFiles.Idx(dims, []));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(path));
        Assert.Contains("elements one array can hold", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Inner_dimensions_of_zero_are_reported()
    {
        var path = _files.Write("zero", IdxTestFiles.Idx([2097152, 0, 0], []));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Contains("dimension 1 is 0", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_small_file_declaring_a_billion_labels_is_reported_without_allocating_them(bool gzip)
    {
        var raw = IdxTestFiles.Idx([1 << 30], new byte[1000]);
        var path = _files.Write(gzip ? "many.gz" : "many", gzip ? IdxTestFiles.Gzip(raw) : raw);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated", e.Message);
        Assert.Contains("promises 1073741832 bytes", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated} bytes reading a {new FileInfo(path).Length}-byte file");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_mutated_file_loads_or_throws_a_data_format_exception_within_an_allocation_bound(bool gzip)
    {
        var pixels = new byte[3 * 4 * 5];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 37);
        var raw = IdxTestFiles.Idx([3, 4, 5], pixels);
        var valid = gzip ? IdxTestFiles.Gzip(raw) : raw;
        string path = _files.Write("mutated", valid);
        var random = new Random(gzip ? 77 : 78);
        int rejected = 0;
        const int Cases = 1000;
        for (int i = 0; i < Cases; i++)
        {
            var (bytes, what) = FileMutations.Bytes(valid, random);
            File.WriteAllBytes(path, bytes);
            // A gzip header may promise up to 1 MiB before the data is seen (the reader's first chunk).
            long bound = (gzip ? (1 << 20) + (512 << 10) : 512 << 10) + 64L * bytes.Length;
            if (FileMutations.Read<DataFormatException>(() => IdxReader.Read(path), bound, $"case {i} ({what})", path)) rejected++;
        }
        Assert.InRange(rejected, Cases / 2, Cases);
    }
}
