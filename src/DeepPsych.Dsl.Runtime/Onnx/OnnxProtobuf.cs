using System.Buffers.Binary;
using System.Text;

namespace DeepPsych.Dsl.Onnx;

/// <summary>
/// The ONNX protobuf encoding, written by hand (no protobuf package for users to carry): just the messages and fields
/// of onnx/onnx.proto that <see cref="OnnxGraph"/> needs, with their field numbers from that file. Protobuf wire format:
/// each field is a varint key (field number · 8 + wire type) then a varint (0), 8 bytes (1), a length-prefixed
/// payload (2: strings, bytes, nested messages) or 4 bytes (5: float). Repeated scalars are written unpacked, which
/// every proto2 and proto3 reader accepts.
/// </summary>
internal static class OnnxProtobuf
{
    /// <summary>IR version 7 (ONNX 1.7): the first to pair with opset 13; ONNX Runtime and the checker read it.</summary>
    public const long IrVersion = 7;

    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;

    // onnx.proto field numbers, message by message.
    private static class Model { public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, DocString = 6, Graph = 7, OpsetImport = 8; }
    private static class OperatorSetId { public const int Version = 2; }
    private static class Graph { public const int Node = 1, Name = 2, Initializer = 5, Input = 11, Output = 12; }
    private static class Node { public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5; }
    private static class Attribute { public const int Name = 1, F = 2, I = 3, Ints = 8, Type = 20; }
    private static class Tensor { public const int Dims = 1, DataType = 2, Int64Data = 7, Name = 8, RawData = 9; public const int Float = 1, Int64 = 7; }
    private static class ValueInfo { public const int Name = 1, Type = 2; }
    private static class TypeProto { public const int TensorType = 1; }
    private static class TypeTensor { public const int ElemType = 1, Shape = 2; }
    private static class Shape { public const int Dim = 1; }
    private static class Dimension { public const int DimValue = 1, DimParam = 2; }

    /// <summary>The ModelProto of <paramref name="graph"/> at <paramref name="opset"/>.</summary>
    public static byte[] Encode(OnnxGraph graph, int opset, string producerVersion, string docString)
    {
        var w = new Writer();
        w.Int(Model.IrVersion, IrVersion);
        w.String(Model.ProducerName, "DeepPsych.Dsl");
        w.String(Model.ProducerVersion, producerVersion);
        w.String(Model.DocString, docString);
        w.Message(Model.OpsetImport, o => o.Int(OperatorSetId.Version, opset));   // domain "" (default): the ONNX operators
        w.Message(Model.Graph, g => WriteGraph(g, graph));
        return w.ToArray();
    }

    private static void WriteGraph(Writer w, OnnxGraph graph)
    {
        foreach (var node in graph.Nodes)
            w.Message(Graph.Node, n =>
            {
                foreach (var input in node.Inputs) n.String(Node.Input, input);
                foreach (var output in node.Outputs) n.String(Node.Output, output);
                n.String(Node.Name, node.Name);
                n.String(Node.OpType, node.OpType);
                foreach (var attribute in node.Attributes) n.Message(Node.Attribute, a => WriteAttribute(a, attribute));
            });
        w.String(Graph.Name, graph.Name);
        foreach (var p in graph.Parameters)
            w.Message(Graph.Initializer, t =>
            {
                foreach (var d in p.Shape) t.Int(Tensor.Dims, d);
                t.Int(Tensor.DataType, Tensor.Float);
                t.String(Tensor.Name, p.Name);
                t.Bytes(Tensor.RawData, FloatBytes(p.Values));
            });
        foreach (var c in graph.Constants)
            w.Message(Graph.Initializer, t =>
            {
                foreach (var d in c.Dims) t.Int(Tensor.Dims, d);
                t.Int(Tensor.DataType, c.Floats is null ? Tensor.Int64 : Tensor.Float);
                t.String(Tensor.Name, c.Name);
                if (c.Floats is { } floats) t.Bytes(Tensor.RawData, FloatBytes(floats.ToArray()));
                else foreach (var v in c.Int64s ?? []) t.Int(Tensor.Int64Data, v);
            });
        w.Message(Graph.Input, v => WriteValueInfo(v, OnnxGraph.Input, graph.InputShape));
        w.Message(Graph.Output, v => WriteValueInfo(v, OnnxGraph.Output, graph.OutputShape));
    }

    private static void WriteAttribute(Writer w, OnnxAttribute attribute)
    {
        w.String(Attribute.Name, attribute.Name);
        w.Int(Attribute.Type, (long)attribute.Type);
        switch (attribute.Type)
        {
            case OnnxAttributeType.Float: w.Float(Attribute.F, attribute.Float); break;
            case OnnxAttributeType.Int: w.Int(Attribute.I, attribute.Int); break;
            case OnnxAttributeType.Ints: foreach (var v in attribute.Ints) w.Int(Attribute.Ints, v); break;
            default: throw new ArgumentOutOfRangeException(nameof(attribute), attribute.Type, $"attribute {attribute.Name}: type not written by this exporter");
        }
    }

    /// <summary>A float tensor [N, …shape] with a symbolic batch dimension N.</summary>
    private static void WriteValueInfo(Writer w, string name, IReadOnlyList<int> shape)
    {
        w.String(ValueInfo.Name, name);
        w.Message(ValueInfo.Type, type => type.Message(TypeProto.TensorType, tensor =>
        {
            tensor.Int(TypeTensor.ElemType, Tensor.Float);
            tensor.Message(TypeTensor.Shape, s =>
            {
                s.Message(Shape.Dim, d => d.String(Dimension.DimParam, "N"));
                foreach (var size in shape) s.Message(Shape.Dim, d => d.Int(Dimension.DimValue, size));
            });
        }));
    }

    /// <summary>raw_data of a float tensor: IEEE 754 little-endian, as ONNX specifies on every platform.</summary>
    private static byte[] FloatBytes(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>A protobuf message being written: fields appended in order, nested messages length-prefixed.</summary>
    private sealed class Writer
    {
        private readonly MemoryStream _bytes = new();

        public byte[] ToArray() => _bytes.ToArray();

        private void Key(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

        private void Raw(ulong value)
        {
            while (value >= 0x80) { _bytes.WriteByte((byte)(value | 0x80)); value >>= 7; }
            _bytes.WriteByte((byte)value);
        }

        /// <summary>int32/int64/enum: a varint; a negative value takes ten bytes (two's complement, as protobuf says).</summary>
        public void Int(int field, long value) { Key(field, Varint); Raw((ulong)value); }

        public void Float(int field, float value)
        {
            Key(field, Fixed32);
            Span<byte> four = stackalloc byte[4];
            BinaryPrimitives.WriteSingleLittleEndian(four, value);
            _bytes.Write(four);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, ReadOnlySpan<byte> value)
        {
            Key(field, LengthDelimited);
            Raw((ulong)value.Length);
            _bytes.Write(value);
        }

        public void Message(int field, Action<Writer> write)
        {
            var nested = new Writer();
            write(nested);
            Bytes(field, nested._bytes.GetBuffer().AsSpan(0, (int)nested._bytes.Length));
        }
    }
}
