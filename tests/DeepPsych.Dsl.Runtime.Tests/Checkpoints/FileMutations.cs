using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace DeepPsych.Dsl.Tests.Checkpoints;

/// <summary>Seeded mutations of a valid file for the readers' mutation tests: truncations, byte flips, boundary values
/// written over fields, insertions and deletions, and (for safetensors) forged JSON headers whose length prefix is kept
/// consistent so the mutation reaches the deeper checks. Each mutation says what it did, so a failure is reproducible
/// from the seed and the case number.</summary>
internal static partial class FileMutations
{
    private static readonly byte[][] Boundaries =
    [
        [0], [0xFF], [0x7F], [0x80],
        [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0, 0, 0, 0x80], [0x40, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
    ];

    /// <summary>Runs one read of a mutated file: it must succeed or throw <typeparamref name="TException"/> naming one of
    /// <paramref name="paths"/>, and allocate at most <paramref name="bound"/> bytes. Returns whether it was rejected.</summary>
    public static bool Read<TException>(Action read, long bound, string what, params string[] paths) where TException : Exception
    {
        long before = GC.GetAllocatedBytesForCurrentThread(), allocated;
        bool rejected = false;
        try
        {
            read();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        catch (TException e)
        {
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            rejected = true;
            Assert.True(paths.Any(e.Message.Contains), $"{what}: the message does not name the file: {e.Message}");
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped instead of {typeof(TException).Name}: {e.Message}");
            throw;
        }
        Assert.True(allocated <= bound, $"{what}: allocated {allocated} bytes, the bound is {bound}");
        return rejected;
    }

    /// <summary>A byte-level mutation of <paramref name="bytes"/>.</summary>
    public static (byte[] Bytes, string What) Bytes(byte[] bytes, Random random)
    {
        var b = (byte[])bytes.Clone();
        switch (random.Next(6))
        {
            case 0:
                int keep = random.Next(b.Length);
                return (b[..keep], $"truncated to {keep} of {b.Length} bytes");
            case 1:
                int flips = 1 + random.Next(4);
                var at = new List<int>();
                for (int i = 0; i < flips; i++) { int p = random.Next(b.Length); at.Add(p); b[p] ^= (byte)(1 << random.Next(8)); }
                return (b, $"bit flips at {string.Join(", ", at)}");
            case 2:
                var value = Boundaries[random.Next(Boundaries.Length)];
                int pos = random.Next(Math.Max(1, b.Length - value.Length + 1));
                for (int i = 0; i < value.Length && pos + i < b.Length; i++) b[pos + i] = value[i];
                return (b, $"{Convert.ToHexString(value)} written at {pos}");
            case 3:
                int from = random.Next(b.Length), count = 1 + random.Next(Math.Min(16, b.Length - from));
                return ([.. b[..from], .. b[(from + count)..]], $"{count} bytes deleted at {from}");
            case 4:
                var extra = new byte[1 + random.Next(16)];
                random.NextBytes(extra);
                int where = random.Next(b.Length + 1);
                return ([.. b[..where], .. extra, .. b[where..]], $"{extra.Length} random bytes inserted at {where}");
            default:
                int a = random.Next(b.Length), c = random.Next(b.Length);
                (b[a], b[c]) = (b[c], b[a]);
                return (b, $"bytes {a} and {c} swapped");
        }
    }

    private static readonly string[] Numbers =
        ["-1", "0", "1", "3", "2147483648", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616",
         "1e20", "4.5", "-0", "1e-5", "NaN", "\"4\"", "null", "[]", "{}"];

    private static readonly string[] Strings =
        ["\"\"", "\"F16\"", "\"F64\"", "\"I64\"", "\"BOOL\"", "\"Q4\"", "\"\\ud800\"", "\"NaN\"", "\"-5\"", "\"abc\"", "\"1e20\"", "\"Infinity\"",
         "\"-1\"", "\"__metadata__\"", "\"Linear.weight\"", "\"Linear.bias\"", "\"momentum_buffer.Linear.weight\"", "0", "null", "[]", "{}"];

    /// <summary>A safetensors file with its JSON header forged: a number or string replaced by a hostile value, an entry
    /// duplicated or dropped, a structural character changed, or invalid UTF-8 inserted; the length prefix is rewritten
    /// to match (and sometimes left stale, or the padding removed).</summary>
    public static (byte[] Bytes, string What) SafeTensorsHeader(byte[] file, Random random)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, n);
        byte[] data = file[(8 + n)..];
        string forged, what;
        switch (random.Next(6))
        {
            case 0:
                (forged, what) = ReplaceOne(header, NumberToken(), Numbers, random, "number");
                break;
            case 1:
                (forged, what) = ReplaceOne(header, StringToken(), Strings, random, "string");
                break;
            case 2:
            {
                var entries = EntryToken().Matches(header);
                var e = entries[random.Next(entries.Count)];
                bool drop = random.Next(2) == 0;
                forged = drop ? header.Remove(e.Index, e.Length) : header.Insert(e.Index, e.Value);
                what = $"entry {e.Value[..Math.Min(30, e.Value.Length)]}… {(drop ? "dropped" : "duplicated")}";
                break;
            }
            case 3:
            {
                var structural = StructuralToken().Matches(header);
                var s = structural[random.Next(structural.Count)];
                string[] by = ["{", "}", "[", "]", ":", ",", "\"", ""];
                string with = by[random.Next(by.Length)];
                forged = header.Remove(s.Index, 1).Insert(s.Index, with);
                what = $"'{s.Value}' at {s.Index} replaced by '{with}'";
                break;
            }
            case 4:
            {
                var utf8 = Encoding.UTF8.GetBytes(header);
                int at = random.Next(utf8.Length);
                byte[][] invalid = [[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]];
                byte[] bad = invalid[random.Next(invalid.Length)];
                byte[] bytes = [.. utf8[..at], .. bad, .. utf8[at..]];
                return (Assemble(bytes, data, bytes.Length), $"invalid UTF-8 {Convert.ToHexString(bad)} inserted in the header at {at}");
            }
            default:
                (forged, what) = ReplaceOne(header, NumberToken(), Numbers, random, "number");
                var raw = Encoding.UTF8.GetBytes(forged);
                long stale = random.Next(2) == 0 ? n : raw.Length + random.Next(-8, 9);
                return (Assemble(raw, data, stale), what + $", length prefix {stale} for a {raw.Length}-byte header");
        }
        var text = Encoding.UTF8.GetBytes(forged);
        return (Assemble(text, data, text.Length), what);
    }

    private static (string, string) ReplaceOne(string header, Regex token, string[] values, Random random, string kind)
    {
        var matches = token.Matches(header);
        var m = matches[random.Next(matches.Count)];
        string value = values[random.Next(values.Length)];
        return (header.Remove(m.Index, m.Length).Insert(m.Index, value), $"{kind} {m.Value} at {m.Index} replaced by {value}");
    }

    private static byte[] Assemble(byte[] header, byte[] data, long lengthPrefix)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, lengthPrefix);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [GeneratedRegex("-?[0-9]+(\\.[0-9]+)?")]
    private static partial Regex NumberToken();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex StringToken();

    [GeneratedRegex("\"[^\"]*\":\\{[^{}]*\\},?")]
    private static partial Regex EntryToken();

    [GeneratedRegex("[{}\\[\\]:,]")]
    private static partial Regex StructuralToken();
}
