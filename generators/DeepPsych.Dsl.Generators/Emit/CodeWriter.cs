using System.Text;

namespace DeepPsych.Dsl.Generators.Emit;

/// <summary>A tiny indenting writer for generated C#.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    public CodeWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        _indent--;
        if (_text.Length >= 2 && _text[_text.Length - 1] == '\n' && _text[_text.Length - 2] == '\n') _text.Length--;   // no blank line before '}'

        return Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
