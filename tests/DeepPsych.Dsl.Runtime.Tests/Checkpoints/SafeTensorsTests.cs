using System.Buffers.Binary;
using System.Text;
using DeepPsych.Dsl.Checkpoints;

namespace DeepPsych.Dsl.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("deeppsych-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>Writes a safetensors file by hand: 8-byte little-endian header length, the header, the data.</summary>
    internal static void WriteRaw(string path, string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void Round_trip_with_metadata_and_exact_layout()
    {
        string path = PathOf("a.safetensors");
        SafeTensors.Write(path, [new SafeTensor("x.weight", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 }), new SafeTensor("x.bias", [2], new float[] { -1, 0.5f })],
            new Dictionary<string, string> { ["k"] = "v" });

        var bytes = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, (8 + n) % 8); // data is 8-byte aligned
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd();
        Assert.Equal("""{"__metadata__":{"k":"v"},"x.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"x.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}""", header);
        Assert.Equal(8 + (long)n + 32, bytes.Length);
        Assert.Equal(-1f, BitConverter.ToSingle(bytes, 8 + (int)n + 24));

        using var file = SafeTensors.Open(path);
        Assert.Equal("v", file.Metadata["k"]);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, file.ReadFloat32("x.weight"));
        Assert.Equal([2L, 3L], file.Find("x.weight")!.Shape);
    }

    [Fact]
    public void Existing_file_is_kept_unless_overwrite_is_passed()
    {
        string path = PathOf("keep.safetensors");
        SafeTensors.Write(path, [new SafeTensor("a", [1], new float[] { 1 })]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("a", [1], new float[] { 2 })]));
        Assert.Contains("overwrite: true", e.Message);
        using (var file = SafeTensors.Open(path)) Assert.Equal(1f, file.ReadFloat32("a")[0]);

        SafeTensors.Write(path, [new SafeTensor("a", [1], new float[] { 2 })], overwrite: true);
        using (var file = SafeTensors.Open(path)) Assert.Equal(2f, file.ReadFloat32("a")[0]);
        Assert.Single(Directory.GetFiles(_dir)); // no temporary file left behind
    }

    [Fact]
    public void Inconsistent_tensors_are_refused_before_anything_is_written()
    {
        string path = PathOf("bad.safetensors");
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("a", [2, 2], new float[3])]));
        Assert.Contains("'a' of shape [2, 2] needs 4 values, has 3", e.Message);
        Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("a", [1], new float[1]), new SafeTensor("a", [1], new float[1])]));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Truncated_data_is_reported()
    {
        string path = PathOf("t.safetensors");
        SafeTensors.Write(path, [new SafeTensor("w", [4], new float[] { 1, 2, 3, 4 })]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains("'w'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(3, "fewer than the 8-byte header length")]
    [InlineData(20, "only 12 follow")]
    public void Truncated_header_is_reported(int keep, string expected)
    {
        string path = PathOf("h.safetensors");
        SafeTensors.Write(path, [new SafeTensor("w", [4], new float[4])]);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..keep]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Header_that_is_not_json_is_reported()
    {
        string path = PathOf("j.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]""", new byte[4]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void Offsets_out_of_range_are_reported()
    {
        string path = PathOf("o.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}""", new byte[8]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("'b' has data_offsets [8, 12], beyond the 8 bytes", e.Message);
        Assert.Equal("b", e.TensorName);
    }

    [Fact]
    public void Offsets_that_disagree_with_the_shape_are_reported()
    {
        string path = PathOf("s.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}""", new byte[8]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("shape [3] of F32 (12 bytes) but data_offsets [0, 8] span 8 bytes", e.Message);
    }

    [Fact]
    public void Overlapping_tensors_are_reported()
    {
        string path = PathOf("ov.safetensors");
        WriteRaw(path, """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", new byte[8]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("overlaps", e.Message);
    }

    [Fact]
    public void Wrong_dtype_is_reported_when_read()
    {
        string path = PathOf("d.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}}""", new byte[8]);
        using var file = SafeTensors.Open(path); // parsing any dtype is fine
        var e = Assert.Throws<CheckpointException>(() => file.ReadFloat32("w"));
        Assert.Contains("dtype F64", e.Message);
        Assert.Contains("only F32", e.Message);
    }

    [Fact]
    public void Unknown_dtype_is_reported()
    {
        string path = PathOf("u.safetensors");
        WriteRaw(path, """{"w": {"dtype": "Q4", "shape": [1], "data_offsets": [0, 1]}}""", new byte[1]);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("unknown dtype 'Q4'", e.Message);
    }

    [Fact]
    public void Non_string_metadata_is_reported()
    {
        string path = PathOf("m.safetensors");
        WriteRaw(path, """{"__metadata__": {"step": 3}}""", []);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("'step'", e.Message);
    }

    [Fact]
    public void Missing_file_is_reported()
    {
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(PathOf("none.safetensors")));
        Assert.Contains("does not exist", e.Message);
    }

    // Regression rows of issue #9's reader table: each gave another exception type or passed a corrupt header.

    /// <summary>Writes a file with <paramref name="header"/> and <paramref name="data"/> and returns what Open throws.</summary>
    private CheckpointException Refused(string header, byte[] data)
    {
        string path = PathOf($"refused-{Guid.NewGuid():N}.safetensors");
        WriteRaw(path, header, data);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains(path, e.Message);
        return e;
    }

    [Fact]
    public void Duplicate_tensor_name_is_reported()
    {
        var e = Refused("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", new byte[8]);
        Assert.Contains("tensor 'w' twice", e.Message);
        Assert.Equal("w", e.TensorName);
    }

    [Fact]
    public void Duplicate_metadata_is_reported()
    {
        Assert.Contains("'a' twice", Refused("""{"__metadata__": {"a": "1", "a": "2"}}""", []).Message);
        Assert.Contains("'__metadata__' twice", Refused("""{"__metadata__": {}, "__metadata__": {}}""", []).Message);
    }

    [Theory]
    [InlineData("""["0", "4"]""")]
    [InlineData("""[0, null]""")]
    [InlineData("""[0, 4.5]""")]
    [InlineData("""[0, 4, 8]""")]
    [InlineData("""{"a": 0}""")]
    public void Non_numeric_data_offsets_are_reported(string offsets)
    {
        var e = Refused($$$"""{"w": {"dtype": "F32", "shape": [1], "data_offsets": {{{offsets}}}}}""", new byte[4]);
        Assert.Contains("tensor 'w' has no 'data_offsets' pair of integers", e.Message);
    }

    [Fact]
    public void Invalid_utf8_in_the_header_is_reported()
    {
        string path = PathOf("utf.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", new byte[4]);
        var bytes = File.ReadAllBytes(path);
        bytes[10] = 0xC3; // the name "w" becomes a truncated two-byte sequence
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(path));
        Assert.Contains("not valid UTF-8", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData("""{"\ud800": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""")]
    [InlineData("""{"w": {"dtype": "\ud800", "shape": [1], "data_offsets": [0, 4]}}""")]
    [InlineData("""{"__metadata__": {"k": "\udc00"}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""")]
    public void Lone_surrogate_escapes_are_reported(string header)
    {
        var e = Refused(header, new byte[4]);
        Assert.Contains("holds a JSON string that is not valid Unicode text", e.Message);
    }

    [Theory]
    [InlineData("[4294967296, 4294967296, 4294967296]")] // product past long
    [InlineData("[2147483648, 2147483648]")]             // 4 · 2^62 wraps to 0 bytes: used to pass Open on an empty span
    [InlineData("[9223372036854775807]")]
    [InlineData("[3037000500, 3037000500]")]             // 4 · (2^31.5)^2: each factor fine, the product not
    public void Shapes_larger_than_the_file_are_reported_without_overflow(string shape)
    {
        var e = Refused($$$"""{"w": {"dtype": "F32", "shape": {{{shape}}}, "data_offsets": [0, 0]}}""", []);
        Assert.Contains($"tensor 'w' has shape {shape.Replace(",", ", ").Replace(",  ", ", ")} of F32 (more than 9223372036854775807 bytes) but data_offsets [0, 0] span 0 bytes", e.Message);
    }

    [Fact]
    public void Zero_sized_dimension_makes_an_empty_tensor_whatever_the_other_dimensions()
    {
        string path = PathOf("zero.safetensors");
        WriteRaw(path, """{"w": {"dtype": "F32", "shape": [9223372036854775807, 0], "data_offsets": [0, 0]}}""", []);
        using var file = SafeTensors.Open(path);
        Assert.Empty(file.ReadFloat32("w"));
    }

    [Fact]
    public void Opening_a_directory_is_reported()
    {
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Open(_dir));
        Assert.Contains("is a directory", e.Message);
    }

    // The atomic write: every failure is a CheckpointException and the good file stays byte-identical.

    private byte[] WriteGood(string path)
    {
        SafeTensors.Write(path, [new SafeTensor("w", [3], new float[] { 1, 2, 3 })], overwrite: true);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void Verification_runs_before_the_rename_so_a_bad_write_never_replaces_the_good_file()
    {
        string path = PathOf("v.safetensors");
        var good = WriteGood(path);
        AtomicFile.BeforeVerify.Value = stream => { stream.Position = stream.Length - 1; stream.WriteByte(0x55); stream.Flush(); };
        CheckpointException e;
        try
        {
            e = Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("w", [3], new float[] { 4, 5, 6 })], overwrite: true));
        }
        finally
        {
            AtomicFile.BeforeVerify.Value = null;
        }
        Assert.Contains("tensor 'w' read back differs", e.Message);
        Assert.Contains("not replaced", e.Message);
        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir)); // its temporary file is gone too
    }

    [Fact]
    public void A_target_that_is_a_directory_is_a_checkpoint_error()
    {
        string path = PathOf("sub");
        Directory.CreateDirectory(path);
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("w", [1], new float[1])], overwrite: true));
        Assert.Contains("is a directory", e.Message);
    }

    [Fact]
    public void A_file_name_the_file_system_refuses_is_a_checkpoint_error_and_the_directory_stays_clean()
    {
        string path = PathOf(new string('n', 300) + ".safetensors"); // longer than NAME_MAX (255)
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Write(path, [new SafeTensor("w", [1], new float[1])]));
        Assert.Contains("could not create the temporary file", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void An_invalid_path_is_a_checkpoint_error()
    {
        var e = Assert.Throws<CheckpointException>(() => SafeTensors.Write("bad\0name", [new SafeTensor("w", [1], new float[1])]));
        Assert.Contains("not a valid file path", e.Message);
        Assert.Throws<CheckpointException>(() => SafeTensors.Open("bad\0name"));
    }

    [Fact]
    public void Orphaned_temporary_files_of_dead_writers_are_removed_but_live_ones_are_kept()
    {
        string path = PathOf("o.safetensors");
        string orphan = PathOf(".o.safetensors.0123456789abcdef0123456789abcdef.tmp");
        string young = PathOf(".o.safetensors.fedcba9876543210fedcba9876543210.tmp");
        string held = PathOf(".o.safetensors.00000000000000000000000000000000.tmp");
        string other = PathOf(".other.safetensors.0123456789abcdef0123456789abcdef.tmp");
        foreach (var f in new[] { orphan, young, held, other }) File.WriteAllBytes(f, [1, 2, 3]);
        foreach (var f in new[] { orphan, held, other }) File.SetLastWriteTimeUtc(f, DateTime.UtcNow - TimeSpan.FromHours(1));
        using (new FileStream(held, FileMode.Open, FileAccess.ReadWrite, FileShare.Delete)) // a live writer's handle
            WriteGood(path);
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(young));  // may still be written
        Assert.True(File.Exists(held));   // locked by a writer
        Assert.True(File.Exists(other));  // another target's
    }

    [Fact]
    public void The_directory_flush_after_the_rename_reports_a_directory_it_cannot_open()
    {
        AtomicFile.FlushDirectory(_dir); // fsync of a real directory succeeds
        if (!OperatingSystem.IsWindows())
            Assert.Throws<IOException>(() => AtomicFile.FlushDirectory(PathOf("missing")));
    }
}
