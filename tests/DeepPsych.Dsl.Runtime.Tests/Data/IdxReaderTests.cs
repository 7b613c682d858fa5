using DeepPsych.Dsl.Data;

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
}
