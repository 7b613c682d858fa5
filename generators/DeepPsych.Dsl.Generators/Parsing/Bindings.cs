using System.Globalization;
using Microsoft.CodeAnalysis;

namespace DeepPsych.Dsl.Generators.Parsing;

/// <summary>A layer attribute's <see cref="LayerAttribute.Bind"/> in a [Block]: <c>"OutChannels = planes * 4, Stride = stride"</c>
/// evaluated against one use's constructor arguments. Option names are the attribute's properties and constructor
/// parameters, compared ignoring case; values are the block's parameters and numbers with <c>+ - * /</c> and parentheses.</summary>
internal static class Bindings
{
    /// <summary>The bound options (by name, ignoring case), or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static Dictionary<string, object?>? Evaluate(string text, AttributeData attribute, IReadOnlyDictionary<string, object?> arguments, out string? problem)
    {
        var result = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        var options = OptionNames(attribute);
        foreach (var part in text.Split(','))
        {
            if (part.Trim().Length == 0) continue;
            int eq = part.IndexOf('=');
            if (eq < 0) { problem = $"'{part.Trim()}' is not 'Option = value'"; return null; }
            string name = part.Substring(0, eq).Trim();
            if (!options.Contains(name))
            {
                problem = $"[{attribute.AttributeClass?.Name.Replace("Attribute", "")}] has no option '{name}' (it has {string.Join(", ", options.OrderBy(o => o, StringComparer.Ordinal))})";
                return null;
            }
            if (result.ContainsKey(name)) { problem = $"'{name}' is bound twice"; return null; }
            var parser = new Parser(part.Substring(eq + 1), arguments);
            var value = parser.Parse(out problem);
            if (problem is not null) { problem = $"'{name} = {part.Substring(eq + 1).Trim()}': {problem}"; return null; }
            result[name] = value;
        }
        problem = null;
        return result;
    }

    /// <summary>What Bind may set: the attribute's settable or get-only public properties and its constructors' parameters.</summary>
    public static HashSet<string> OptionNames(AttributeData attribute)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (attribute.AttributeClass is not { } type) return names;
        foreach (var member in type.GetMembers().OfType<IPropertySymbol>())
            if (member.DeclaredAccessibility == Accessibility.Public && !member.IsStatic) names.Add(member.Name);
        foreach (var constructor in type.InstanceConstructors)
            foreach (var parameter in constructor.Parameters) names.Add(parameter.Name);
        names.Remove(nameof(LayerAttribute.Bind));
        return names;
    }

    /// <summary>Recursive descent over <c>sum := product (('+'|'-') product)*</c>, <c>product := unary (('*'|'/') unary)*</c>,
    /// <c>unary := '-' unary | number | name | '(' sum ')'</c>.</summary>
    private sealed class Parser(string text, IReadOnlyDictionary<string, object?> arguments)
    {
        private int _at;
        private string? _problem;

        public object? Parse(out string? problem)
        {
            var value = Sum();
            Skip();
            if (_problem is null && _at < text.Length) _problem = $"unexpected '{text.Substring(_at).Trim()}'";
            problem = _problem;
            return value;
        }

        private object? Sum()
        {
            var value = Product();
            while (_problem is null && Next() is '+' or '-')
            {
                char op = text[_at++];
                value = Apply(op == '+' ? "Add" : "Subtract", value, Product());
            }
            return value;
        }

        private object? Product()
        {
            var value = Unary();
            while (_problem is null && Next() is '*' or '/')
            {
                char op = text[_at++];
                value = Apply(op == '*' ? "Multiply" : "Divide", value, Unary());
            }
            return value;
        }

        private object? Unary()
        {
            switch (Next())
            {
                case '-':
                    _at++;
                    return Apply("Subtract", 0, Unary());
                case '(':
                    _at++;
                    var inner = Sum();
                    if (Next() != ')') return Fail("a ')' is missing");
                    _at++;
                    return inner;
                case char c when char.IsDigit(c) || c == '.':
                    int start = _at;
                    while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] is '.' or 'e' or 'E' or 'f' or 'F')) _at++;
                    string number = text.Substring(start, _at - start);
                    if (int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out int i)) return i;
                    if (float.TryParse(number.TrimEnd('f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture, out float f)) return f;
                    return Fail($"'{number}' is not a number");
                case char c when char.IsLetter(c) || c == '_' || c == '@':
                    int from = _at;
                    while (_at < text.Length && (char.IsLetterOrDigit(text[_at]) || text[_at] is '_' or '@')) _at++;
                    string name = text.Substring(from, _at - from).TrimStart('@');
                    if (name is "true" or "false") return name == "true";
                    if (arguments.TryGetValue(name, out var value)) return value;
                    return Fail($"'{name}' is not a parameter of the block (it has {(arguments.Count == 0 ? "none" : string.Join(", ", arguments.Keys))})");
                case null:
                    return Fail("a value is missing");
                default:
                    return Fail($"unexpected '{text[_at]}'");
            }
        }

        private object? Apply(string op, object? left, object? right)
        {
            if (_problem is not null) return null;
            return Arithmetic.Binary(op, left, right) ?? Fail($"{Show(left)} {op.ToLowerInvariant()} {Show(right)} does not compute (overflow, division by zero, or not numbers)");
        }

        private static string Show(object? v) => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "null";

        private char? Next()
        {
            Skip();
            return _at < text.Length ? text[_at] : null;
        }

        private void Skip()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private object? Fail(string problem)
        {
            _problem ??= problem;
            return null;
        }
    }
}
