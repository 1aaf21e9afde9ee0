using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace XenHa.Infrastructure;

/// <summary>
/// The little JSON the simulator's control plane speaks: objects become
/// Dictionary&lt;string, object?&gt;, arrays List&lt;object?&gt;, numbers double (or long when integral),
/// plus string, bool and null. Writing accepts the same shapes, arrays and primitives.
/// </summary>
internal static class MiniJson
{
    public static object? Parse(string text)
    {
        var position = 0;
        var value = ReadValue(text, ref position);
        SkipSpace(text, ref position);
        if (position != text.Length)
        {
            throw new FormatException("Unexpected text after the JSON value at offset " + position + ".");
        }
        return value;
    }

    public static string Write(object? value)
    {
        var builder = new StringBuilder();
        WriteValue(builder, value);
        return builder.ToString();
    }

    private static void WriteValue(StringBuilder builder, object? value)
    {
        switch (value)
        {
            case null:
                builder.Append("null");
                break;
            case string s:
                WriteString(builder, s);
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case int or long or short or byte:
                builder.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                break;
            case double or float or decimal:
                builder.Append(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            case IDictionary dictionary:
                builder.Append('{');
                var first = true;
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (!first)
                    {
                        builder.Append(',');
                    }
                    first = false;
                    WriteString(builder, Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    builder.Append(':');
                    WriteValue(builder, entry.Value);
                }
                builder.Append('}');
                break;
            case IEnumerable sequence:
                builder.Append('[');
                var firstItem = true;
                foreach (var item in sequence)
                {
                    if (!firstItem)
                    {
                        builder.Append(',');
                    }
                    firstItem = false;
                    WriteValue(builder, item);
                }
                builder.Append(']');
                break;
            default:
                WriteString(builder, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
                break;
        }
    }

    private static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }
                    break;
            }
        }
        builder.Append('"');
    }

    private static void SkipSpace(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }
    }

    private static object? ReadValue(string text, ref int position)
    {
        SkipSpace(text, ref position);
        if (position >= text.Length)
        {
            throw new FormatException("The JSON text ended early.");
        }
        var c = text[position];
        switch (c)
        {
            case '{':
                return ReadObject(text, ref position);
            case '[':
                return ReadArray(text, ref position);
            case '"':
                return ReadString(text, ref position);
            case 't':
                Expect(text, ref position, "true");
                return true;
            case 'f':
                Expect(text, ref position, "false");
                return false;
            case 'n':
                Expect(text, ref position, "null");
                return null;
            default:
                return ReadNumber(text, ref position);
        }
    }

    private static Dictionary<string, object?> ReadObject(string text, ref int position)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        position++;
        SkipSpace(text, ref position);
        if (position < text.Length && text[position] == '}')
        {
            position++;
            return result;
        }
        while (true)
        {
            SkipSpace(text, ref position);
            if (position >= text.Length || text[position] != '"')
            {
                throw new FormatException("A JSON object key was expected at offset " + position + ".");
            }
            var key = ReadString(text, ref position);
            SkipSpace(text, ref position);
            Expect(text, ref position, ":");
            result[key] = ReadValue(text, ref position);
            SkipSpace(text, ref position);
            if (position < text.Length && text[position] == ',')
            {
                position++;
                continue;
            }
            Expect(text, ref position, "}");
            return result;
        }
    }

    private static List<object?> ReadArray(string text, ref int position)
    {
        var result = new List<object?>();
        position++;
        SkipSpace(text, ref position);
        if (position < text.Length && text[position] == ']')
        {
            position++;
            return result;
        }
        while (true)
        {
            result.Add(ReadValue(text, ref position));
            SkipSpace(text, ref position);
            if (position < text.Length && text[position] == ',')
            {
                position++;
                continue;
            }
            Expect(text, ref position, "]");
            return result;
        }
    }

    private static string ReadString(string text, ref int position)
    {
        var builder = new StringBuilder();
        position++;
        while (position < text.Length)
        {
            var c = text[position++];
            if (c == '"')
            {
                return builder.ToString();
            }
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }
            if (position >= text.Length)
            {
                break;
            }
            var escape = text[position++];
            switch (escape)
            {
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'u':
                    if (position + 4 > text.Length)
                    {
                        throw new FormatException("A \\u escape was cut short.");
                    }
                    builder.Append((char)int.Parse(text.Substring(position, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    position += 4;
                    break;
                default: builder.Append(escape); break;
            }
        }
        throw new FormatException("A JSON string was not closed.");
    }

    private static object ReadNumber(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && "+-0123456789.eE".IndexOf(text[position]) >= 0)
        {
            position++;
        }
        var token = text.Substring(start, position - start);
        if (token.Length == 0)
        {
            throw new FormatException("Unexpected character '" + text[start] + "' at offset " + start + ".");
        }
        if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }
        return double.Parse(token, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static void Expect(string text, ref int position, string token)
    {
        if (string.CompareOrdinal(text, position, token, 0, token.Length) != 0)
        {
            throw new FormatException("'" + token + "' was expected at offset " + position + ".");
        }
        position += token.Length;
    }
}
