using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Xml;

namespace XenHa.Client.XmlRpc;

/// <summary>
/// Writes XML-RPC method calls the way xapi expects them: compact, strings and 64-bit ints as
/// untyped <c>&lt;value&gt;</c> text, <c>&lt;boolean&gt;1|0</c>, <c>&lt;double&gt;</c>,
/// <c>&lt;dateTime.iso8601&gt;YYYYMMDDTHH:MM:SSZ</c>, arrays and structs.
/// </summary>
/// <remarks>
/// Characters XML 1.0 cannot carry (controls below 0x20 other than TAB, LF and CR, lone surrogates,
/// U+FFFE/U+FFFF) are dropped, as xapi itself does on output. CR is written as <c>&amp;#xD;</c> so it
/// survives XML end-of-line normalisation.
/// </remarks>
public static class XmlRpcRequestWriter
{
    /// <summary>Maximum nesting of arrays/structs in arguments.</summary>
    public const int MaxNesting = 64;

    private static readonly byte[] Declaration = Encoding.ASCII.GetBytes("<?xml version=\"1.0\"?>");

    private static readonly XmlWriterSettings Settings = new XmlWriterSettings
    {
        Encoding = new UTF8Encoding(false),
        OmitXmlDeclaration = true,
        Indent = false,
        NewLineHandling = NewLineHandling.Entitize,
        CheckCharacters = true,
        CloseOutput = false,
        ConformanceLevel = ConformanceLevel.Document,
    };

    /// <summary>Writes <c>&lt;?xml version="1.0"?&gt;&lt;methodCall&gt;...</c> to <paramref name="output"/>.</summary>
    public static void Write(Stream output, string method, IReadOnlyList<object?> args)
    {
        if (output is null)
        {
            throw new ArgumentNullException(nameof(output));
        }

        if (string.IsNullOrEmpty(method))
        {
            throw new ArgumentException("A method name is required.", nameof(method));
        }

        output.Write(Declaration, 0, Declaration.Length);
        using var w = XmlWriter.Create(output, Settings);
        w.WriteStartElement("methodCall");
        w.WriteElementString("methodName", Sanitize(method));
        w.WriteStartElement("params");
        foreach (var arg in args ?? Array.Empty<object?>())
        {
            w.WriteStartElement("param");
            WriteValue(w, arg, 0);
            w.WriteEndElement();
        }

        w.WriteFullEndElement();
        w.WriteEndElement();
        w.Flush();
    }

    /// <summary>The request as bytes.</summary>
    public static byte[] ToBytes(string method, IReadOnlyList<object?> args)
    {
        using var ms = new MemoryStream();
        Write(ms, method, args);
        return ms.ToArray();
    }

    /// <summary>Writes one <c>&lt;value&gt;</c>.</summary>
    internal static void WriteValue(XmlWriter w, object? value, int depth)
    {
        w.WriteStartElement("value");
        switch (value)
        {
            case null:
                break;
            case string s:
                w.WriteString(Sanitize(s));
                break;
            case IXenRef r:
                w.WriteString(Sanitize(r.OpaqueRef));
                break;
            case bool b:
                w.WriteElementString("boolean", b ? "1" : "0");
                break;
            case long or int or short or sbyte or byte or ushort or uint or ulong:
                w.WriteString(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case double d:
                w.WriteElementString("double", XmlRpcScalars.FormatDouble(d));
                break;
            case float f:
                w.WriteElementString("double", XmlRpcScalars.FormatDouble(f));
                break;
            case decimal m:
                w.WriteElementString("double", XmlRpcScalars.FormatDouble((double)m));
                break;
            case DateTime dt:
                w.WriteElementString("dateTime.iso8601", XmlRpcScalars.FormatDateTime(dt));
                break;
            case DateTimeOffset dto:
                w.WriteElementString("dateTime.iso8601", XmlRpcScalars.FormatDateTime(dto.UtcDateTime));
                break;
            case Enum e:
                w.WriteString(WireEnums.Encode(e));
                break;
            case char c:
                w.WriteString(Sanitize(c.ToString()));
                break;
            case byte[] bytes:
                w.WriteElementString("base64", Convert.ToBase64String(bytes));
                break;
            case XenObject record:
                WriteStruct(w, depth, Fields(record));
                break;
            case IDictionary dict:
                WriteStruct(w, depth, Entries(dict));
                break;
            case IEnumerable items:
                Nest(depth);
                w.WriteStartElement("array");
                w.WriteStartElement("data");
                foreach (var item in items)
                {
                    WriteValue(w, item, depth + 1);
                }

                w.WriteFullEndElement();
                w.WriteEndElement();
                break;
            default:
                throw new ArgumentException("XenHa cannot encode a value of type " + value.GetType().FullName + " as XML-RPC.");
        }

        w.WriteFullEndElement();
    }

    /// <summary>Removes characters XML 1.0 cannot represent (what xapi drops on output too).</summary>
    public static string Sanitize(string text)
    {
        if (text is null)
        {
            return "";
        }

        StringBuilder? sb = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = true;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    sb?.Append(c).Append(text[i + 1]);
                    i++;
                    continue;
                }

                ok = false;
            }
            else if (char.IsLowSurrogate(c))
            {
                ok = false;
            }
            else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == '\uFFFE' || c == '\uFFFF')
            {
                ok = false;
            }

            if (!ok)
            {
                if (sb is null)
                {
                    sb = new StringBuilder(text.Length);
                    sb.Append(text, 0, i);
                }

                continue;
            }

            sb?.Append(c);
        }

        return sb?.ToString() ?? text;
    }

    private static void WriteStruct(XmlWriter w, int depth, IEnumerable<KeyValuePair<string, object?>> members)
    {
        Nest(depth);
        w.WriteStartElement("struct");
        foreach (var member in members)
        {
            w.WriteStartElement("member");
            w.WriteElementString("name", Sanitize(member.Key));
            WriteValue(w, member.Value, depth + 1);
            w.WriteEndElement();
        }

        w.WriteFullEndElement();
    }

    private static IEnumerable<KeyValuePair<string, object?>> Entries(IDictionary dict)
    {
        foreach (DictionaryEntry entry in dict)
        {
            var key = entry.Key switch
            {
                string s => s,
                IXenRef r => r.OpaqueRef,
                Enum e => WireEnums.Encode(e),
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                _ => entry.Key.ToString() ?? "",
            };
            yield return new KeyValuePair<string, object?>(key, entry.Value);
        }
    }

    private static IEnumerable<KeyValuePair<string, object?>> Fields(XenObject record)
    {
        foreach (var field in RecordMetadata.FieldsOf(record.GetType()))
        {
            yield return new KeyValuePair<string, object?>(field.WireName, field.Get(record));
        }
    }

    private static void Nest(int depth)
    {
        if (depth >= MaxNesting)
        {
            throw new ArgumentException("XML-RPC arguments are nested deeper than " + MaxNesting + " levels (a cycle?).");
        }
    }
}
